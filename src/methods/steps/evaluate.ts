import { accuracy } from "../../metrics/accuracy.js";
import { consensus } from "../../metrics/consensus.js";
import { summarize, summaryMetrics, type EvalSummary, type GradedQuestion } from "../../metrics/eval-summary.js";
import { DIVERSITY } from "../../metrics/names.js";
import type { NewMetric } from "../../store/index.js";
import type { MethodContext } from "../types.js";
import type { StoredDebate } from "./transcripts.js";

/** A society's evaluation: the one EvalSummary plus what round 1 says (consensus and the baselines). */
export interface SocietySummary extends EvalSummary {
  consensus: number;
  /** Mean accuracy of the agents' independent round-1 answers: the single-agent baseline. */
  round1Accuracy: number;
  /** Accuracy of the vote over round-1 answers: the majority baseline. */
  round1MajorityAccuracy: number;
}

/** Grades stored test debates against gold: the final vote for accuracy, round-1 answers for consensus and the baselines. */
export function summarizeDebates(ctx: MethodContext, debates: readonly StoredDebate[]): SocietySummary {
  const gold = new Map(ctx.test.map((q) => [q.rowId, q.gold]));
  const graded: GradedQuestion[] = [],
    singles: boolean[] = [],
    majorities: boolean[] = [];
  const round1: Array<Array<string | null>> = [];
  for (const d of debates) {
    const g = gold.get(d.questionRowId);
    if (g === undefined) throw new Error(`debate ${d.debateId} is not on a test question of this run`);
    const first = d.transcript.chains.map((c) => c.turns.find((t) => t.round === 1)?.answer ?? null);
    round1.push(first);
    graded.push({ correct: ctx.task.grade(d.transcript.consensus, g), finalAnswer: d.transcript.consensus, turns: d.turns });
    for (const a of first) singles.push(ctx.task.grade(a, g));
    majorities.push(ctx.task.grade(plurality(first), g));
  }
  return {
    ...summarize(graded),
    consensus: consensus(round1),
    round1Accuracy: accuracy(singles).accuracy,
    round1MajorityAccuracy: accuracy(majorities).accuracy,
  };
}

/**
 * The most common parsed answer; ties go to the answer given first (agent order), which keeps the
 * baseline deterministic without a draw. Null when nothing parsed.
 */
export function plurality(answers: ReadonlyArray<string | null>): string | null {
  const counts = new Map<string, number>();
  for (const a of answers) if (a !== null) counts.set(a, (counts.get(a) ?? 0) + 1);
  let best: string | null = null,
    bestN = 0;
  for (const [a, n] of counts) if (n > bestN) [best, bestN] = [a, n];
  return best;
}

/** The run-scope metrics of one evaluation, as stored for the report. */
export function evalMetrics(
  ctx: MethodContext,
  method: string,
  iteration: number,
  s: SocietySummary,
  extra: Record<string, number> = {},
): NewMetric[] {
  const m = (name: string, value: number): NewMetric => ({ runId: ctx.runId, method, iteration, name, scope: "run", value });
  const out = [
    ...summaryMetrics(s).map(([name, value]) => m(name, value)),
    m("round1_accuracy", s.round1Accuracy),
    m("round1_majority_accuracy", s.round1MajorityAccuracy),
  ];
  if (Number.isFinite(s.consensus)) out.push(m(DIVERSITY.consensus, s.consensus));
  for (const [k, v] of Object.entries(extra)) if (Number.isFinite(v)) out.push(m(k, v));
  return out;
}
