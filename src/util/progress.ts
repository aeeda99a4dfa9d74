/**
 * A live progress line on stderr: questions done, accuracy so far, tokens/s, ETA. On a TTY it rewrites
 * one line; otherwise it prints a line at most every `everyMs` (and at the end), so logs stay short.
 */
export interface ProgressOptions {
  total: number;
  label: string;
  stream?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
  everyMs?: number;
  now?: () => number;
}

export class Progress {
  private done = 0;
  private correct = 0;
  private tokens = 0;
  /** Questions completed by generation in this process (resumed ones do not predict the ETA). */
  private freshDone = 0;
  private readonly t0: number;
  private lastPrint = -Infinity;
  private readonly stream;
  private readonly now;

  constructor(private readonly o: ProgressOptions) {
    this.stream = o.stream ?? process.stderr;
    this.now = o.now ?? (() => performance.now());
    this.t0 = this.now();
  }

  update(step: { correct: boolean; freshTokens: number; fresh: boolean }): void {
    this.done++;
    if (step.correct) this.correct++;
    this.tokens += step.freshTokens;
    if (step.fresh) this.freshDone++;
    const t = this.now();
    const tty = !!this.stream.isTTY;
    if (this.done === this.o.total || tty || t - this.lastPrint >= (this.o.everyMs ?? 5000)) {
      this.lastPrint = t;
      const line = this.line(t);
      this.stream.write(tty ? `\r\x1b[2K${line}${this.done === this.o.total ? "\n" : ""}` : `${line}\n`);
    }
  }

  line(t = this.now()): string {
    const s = (t - this.t0) / 1000;
    const acc = this.done ? ((100 * this.correct) / this.done).toFixed(1) : "–";
    const tps = s > 0 ? (this.tokens / s).toFixed(1) : "–";
    const left = this.o.total - this.done;
    const eta = left === 0 ? "done" : this.freshDone > 0 ? `ETA ${fmt((s / this.freshDone) * left)}` : "ETA –";
    return `${this.o.label} ${this.done}/${this.o.total} questions | acc ${acc}% | ${tps} tok/s | ${fmt(s)} elapsed | ${eta}`;
  }
}

export function fmt(seconds: number): string {
  if (!Number.isFinite(seconds)) return "–";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
