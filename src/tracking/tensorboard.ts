import { join } from "node:path";
import { EventFileWriter, scalarEvent, textEvent } from "./tfevents.js";
import type { MetricPoint, TrackedRun, TrackedStatus, TrackingSink } from "./types.js";

/**
 * TensorBoard event files, one folder per society run (`<dir>/<run-id>/`, so `tensorboard --logdir <dir>`
 * compares runs): metrics as scalars (tag = the metric key, step = iteration or training step), text files
 * (the resolved config, the report's Markdown) as text summaries. A resumed run adds a new events file to
 * its folder, which TensorBoard reads together with the earlier ones.
 */
export class TensorBoardSink implements TrackingSink {
  readonly name = "tensorboard";
  private readonly writers = new Map<string, EventFileWriter>();

  constructor(private readonly dir: string) {}

  private writer(runId: string): EventFileWriter {
    const w = this.writers.get(runId);
    if (!w) throw new Error(`no event file for ${runId}`);
    return w;
  }

  async start(run: TrackedRun): Promise<void> {
    if (!this.writers.has(run.id)) this.writers.set(run.id, new EventFileWriter(join(this.dir, run.id.replace(/[^\w.-]/g, "_"))));
  }

  async metrics(runId: string, points: readonly MetricPoint[]): Promise<void> {
    this.writer(runId).write(points.map((p) => scalarEvent({ tag: p.key, step: p.step, value: p.value, wallTime: p.timestamp / 1000 })));
  }

  async artifact(runId: string, path: string, content: Uint8Array): Promise<void> {
    const ext = path.split(".").pop()?.toLowerCase() ?? "";
    if (!["md", "yaml", "yml", "json", "txt"].includes(ext)) return; // images and HTML have no text summary
    const text = Buffer.from(content).toString("utf8");
    const md = ext === "md" || ext === "txt" ? text : `\`\`\`${ext}\n${text}\n\`\`\``;
    this.writer(runId).write([textEvent(path, md, 0, Date.now() / 1000)]);
  }

  async status(runId: string, status: TrackedStatus, error?: string | null): Promise<void> {
    this.writer(runId).write([textEvent("status", error ? `${status}: ${error}` : status, 0, Date.now() / 1000)]);
  }

  async close(): Promise<void> {}
}
