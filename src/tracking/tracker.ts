import type { MetricPoint, TrackedRun, TrackedStatus, TrackingSink } from "./types.js";

/**
 * Fans tracking calls out to the sinks without ever making the caller wait: each sink has its own queue,
 * each call is appended and returns at once; a failing call becomes one warning per sink and kind (later
 * repeats are counted and summarized at close), and the run carries on. `close()` waits for the queues
 * for at most `closeTimeoutMs`, then gives up on what is left.
 */
export class Tracker {
  private readonly queues = new Map<TrackingSink, Promise<void>>();
  private readonly warned = new Map<string, number>();
  private readonly started = new Map<TrackingSink, Set<string>>();
  private closed = false;

  constructor(
    readonly sinks: readonly TrackingSink[],
    private readonly warn: (line: string) => void,
    private readonly opts: { closeTimeoutMs?: number } = {},
  ) {
    for (const s of sinks) this.started.set(s, new Set());
  }

  /** Starts (once per process) the tracking run of `run` in every sink. */
  run(run: TrackedRun): void {
    for (const s of this.sinks) {
      const seen = this.started.get(s)!;
      if (seen.has(run.id)) continue;
      seen.add(run.id);
      this.enqueue(s, "start", () => s.start(run));
    }
  }

  metrics(runId: string, points: readonly MetricPoint[]): void {
    if (points.length) for (const s of this.sinks) this.enqueue(s, "metrics", () => s.metrics(runId, points));
  }

  artifact(runId: string, path: string, content: Uint8Array | string): void {
    const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    for (const s of this.sinks) this.enqueue(s, `artifact`, () => s.artifact(runId, path, bytes));
  }

  status(runId: string, status: TrackedStatus, error?: string | null): void {
    for (const s of this.sinks) this.enqueue(s, "status", () => s.status(runId, status, error));
  }

  /** Resolves when every queued call has been delivered (or has failed). */
  async flush(): Promise<void> {
    await Promise.all(this.queues.values());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const limit = this.opts.closeTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.flush().then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), limit).unref())),
    ]);
    clearTimeout(timer);
    if (timedOut)
      this.warn(`tracking: gave up waiting for the trackers after ${Math.round(limit / 1000)} s; the last updates may be missing`);
    await Promise.all(this.sinks.map((s) => s.close().catch((e) => this.warn(`tracking (${s.name}): ${(e as Error).message}`))));
    for (const [key, n] of this.warned)
      if (n > 1) this.warn(`tracking (${key}): ${n - 1} more failure${n > 2 ? "s" : ""} of the same kind`);
  }

  private enqueue(sink: TrackingSink, kind: string, fn: () => Promise<void>): void {
    if (this.closed) return;
    const prev = this.queues.get(sink) ?? Promise.resolve();
    const next = prev.then(fn).catch((e: unknown) => {
      const key = `${sink.name}: ${kind}`;
      const n = (this.warned.get(key) ?? 0) + 1;
      this.warned.set(key, n);
      if (n === 1) this.warn(`tracking (${key}) failed, the run goes on: ${(e as Error)?.message ?? e}`);
    });
    this.queues.set(sink, next);
  }
}
