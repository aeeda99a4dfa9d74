/**
 * Reads a remote job's events incrementally. Event lists are newest first with an `after` cursor that
 * pages towards older events (OpenAI's API), so each poll reads pages until it meets an event it has
 * seen, then hands the new ones over oldest first.
 */
import type OpenAI from "openai";
import type { TrainProgress } from "../types.js";

type Event = OpenAI.FineTuning.Jobs.FineTuningJobEvent;

export class EventReader {
  private readonly seen = new Set<string>();

  constructor(
    private readonly client: OpenAI,
    private readonly jobId: string,
    private readonly maxPages = 50,
  ) {}

  async next(): Promise<Event[]> {
    const fresh: Event[] = [];
    let after: string | undefined;
    for (let page = 0; page < this.maxPages; page++) {
      const res = await this.client.fineTuning.jobs.listEvents(this.jobId, { limit: 100, ...(after ? { after } : {}) });
      const data = res.data;
      let met = false;
      for (const e of data) {
        if (this.seen.has(e.id)) {
          met = true;
          break;
        }
        fresh.push(e);
      }
      if (met || !res.has_more || data.length === 0) break;
      after = data[data.length - 1]!.id;
    }
    for (const e of fresh) this.seen.add(e.id);
    return fresh.reverse();
  }
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** A {name: number} object (society serve's objective metrics), keeping only the numbers. */
function numbers(v: unknown): Record<string, number> | undefined {
  if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
  const out = Object.fromEntries(Object.entries(v).filter(([, x]) => num(x) !== undefined)) as Record<string, number>;
  return Object.keys(out).length ? out : undefined;
}

/** A metrics event as TrainProgress (society serve's fields; OpenAI's step/train_loss/total_steps), or undefined. */
export function progressOf(e: Event): TrainProgress | undefined {
  if (e.type !== "metrics") return undefined;
  const d = (e.data ?? {}) as Record<string, unknown>;
  const step = num(d.step),
    loss = num(d.train_loss);
  if (step === undefined || loss === undefined) return undefined;
  return {
    step,
    totalSteps: num(d.total_steps) ?? step,
    epoch: num(d.epoch) ?? 0,
    loss,
    valLoss: num(d.valid_loss) ?? num(d.full_valid_loss),
    lr: num(d.lr) ?? 0,
    tokensPerSecond: num(d.tokens_per_second) ?? 0,
    etaSeconds: num(d.eta_seconds) ?? 0,
    ...(numbers(d.metrics) ? { metrics: numbers(d.metrics) } : {}),
    ...(numbers(d.valid_metrics) ? { valMetrics: numbers(d.valid_metrics) } : {}),
  };
}
