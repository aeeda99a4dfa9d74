import { accuracy } from "../../metrics/accuracy.js";
import { expectedVoteCorrect } from "../../metrics/vote.js";
import { consensus } from "../../metrics/consensus.js";
import { summarize, summaryMetrics, type EvalSummary, type GradedQuestion } from "../../metrics/eval-summary.js";
import { DIVERSITY, METRIC } from "../../metrics/names.js";
import type { NewMetric } from "../../store/index.js";
import type { MethodContext } from "../types.js";
import type { StoredDebate } from "./transcripts.js";

/** A society's evaluation: the one EvalSummary plus what round 1 says (consensus and the baselines). */
export interface SocietySummary extends EvalSummary {
  consensus: number;
  /** Mean accuracy of the agents' independent round-1 answers: the single-agent baseline. */
  round1Accuracy: number;
  /** maj@N: accuracy of the vote over the N round-1 answers (ties split evenly): the majority baseline. */
  round1MajorityAccuracy: number;
  /** Round-1 accuracy of each agent (index = agent): does the society specialize? */
  agentRound1Accuracy: number[];
  /** Per test question (its task id): 1 when the final answer is right. For paired comparisons. */
  perQuestion: Record<string, number>;
}

/** Grades stored test debates against gold: the final vote for accuracy, round-1 answers for consensus and the baselines. */
export function summarizeDebates(ctx: MethodContext, debates: readonly StoredDebate[]): SocietySummary {
  const gold = new Map(ctx.test.map((q) => [q.rowId, q.gold]));
  const graded: GradedQuestion[] = [],
    singles: boolean[] = [],
    majorities: number[] = [];
  const round1: Array<Array<string | null>> = [];
  const byAgent: boolean[][] = [];
  const perQuestion: Record<string, number> = {};
  for (const d of debates) {
    const g = gold.get(d.questionRowId);
    if (g === undefined) throw new Error(`debate ${d.debateId} is not on a test question of this run`);
    const first = d.transcript.chains.map((c) => c.turns.find((t) => t.round === 1)?.answer ?? null);
    round1.push(first);
    const right = ctx.task.grade(d.transcript.consensus, g);
    graded.push({ correct: right, finalAnswer: d.transcript.consensus, turns: d.turns });
    perQuestion[d.transcript.questionId] = right ? 1 : 0;
    d.transcript.chains.forEach((c, i) => (byAgent[c.agent] ??= []).push(ctx.task.grade(first[i] ?? null, g)));
    for (const a of first) singles.push(ctx.task.grade(a, g));
    majorities.push(expectedVoteCorrect(first, (a) => ctx.task.grade(a, g)));
  }
  return {
    ...summarize(graded),
    consensus: consensus(round1),
    round1Accuracy: accuracy(singles).accuracy,
    round1MajorityAccuracy: majorities.length ? majorities.reduce((x, y) => x + y, 0) / majorities.length : 0,
    agentRound1Accuracy: Array.from(byAgent, (xs) => (xs?.length ? accuracy(xs).accuracy : NaN)),
    perQuestion,
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
    m(METRIC.round1Accuracy, s.round1Accuracy),
    m(METRIC.round1Majority, s.round1MajorityAccuracy),
  ];
  if (Number.isFinite(s.consensus)) out.push(m(DIVERSITY.consensus, s.consensus));
  s.agentRound1Accuracy.forEach((v, i) => {
    if (Number.isFinite(v)) out.push({ ...m(METRIC.round1Accuracy, v), scope: `agent:${i}` });
  });
  for (const [qid, v] of Object.entries(s.perQuestion)) out.push({ ...m(METRIC.correct, v), scope: `question:${qid}` });
  for (const [k, v] of Object.entries(extra)) if (Number.isFinite(v)) out.push(m(k, v));
  return out;
}
