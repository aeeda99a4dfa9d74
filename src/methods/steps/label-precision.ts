import { labelPrecision } from "../../datasets/labels.js";
import type { DatasetRow, DebateTranscript } from "../../datasets/types.js";
import { METRIC } from "../../metrics/names.js";
import type { MethodContext } from "../types.js";

/**
 * Records, per training-set kind, the share of rows whose pseudo-label ŷ is right against gold
 * (`label_precision/G`, `/C-`, `/C+`, …, pooled over agents). Diagnosis only: gold is read here and
 * nowhere in the data filters, and nothing reads these numbers back into training.
 */
export async function recordLabelPrecision(
  ctx: MethodContext,
  method: string,
  iteration: number,
  transcripts: readonly DebateTranscript[],
  sets: Record<string, readonly DatasetRow[]>,
): Promise<void> {
  const label = new Map(transcripts.map((d) => [d.questionId, d.consensus]));
  const gold = new Map(ctx.train.map((q) => [q.id, q.gold]));
  const isRight = (qid: string, a: string | null) => a !== null && gold.has(qid) && ctx.task.grade(a, gold.get(qid)!);
  const rows = Object.entries(sets)
    .map(([kind, r]) => ({ kind, value: labelPrecision(r, (q) => label.get(q) ?? null, isRight), n: r.length }))
    .filter((x) => Number.isFinite(x.value))
    .map((x) => ({
      runId: ctx.runId,
      method,
      iteration,
      name: `${METRIC.labelPrecision}/${x.kind}`,
      scope: "run",
      value: x.value,
      extra: { rows: x.n },
    }));
  if (rows.length) await ctx.store.metrics.put(rows);
}
