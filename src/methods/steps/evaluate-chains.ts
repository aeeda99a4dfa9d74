import { accuracy } from "../../metrics/accuracy.js";
import { consensus } from "../../metrics/consensus.js";
import { maltProtocol } from "../../protocols/malt/tree.js";
import type { Seat } from "../../protocols/index.js";
import type { MethodContext } from "../types.js";
import { summarize, type GradedQuestion } from "../../metrics/eval-summary.js";
import { evalMetrics, plurality, type SocietySummary } from "./evaluate.js";
import { once } from "./once.js";
import { runProtocol } from "./run-protocol.js";
import { loadTrees } from "./trees.js";

export interface ChainsSummary extends SocietySummary {
  /** Mean accuracy of the refiners' answers (one chain, no vote). */
  refinerAccuracy: number;
}

/**
 * Evaluates MALT's agents after iteration l on the test split: k independent generator → verifier →
 * refiner chains per question (a tree with branching [k, 1, 1]) and the majority vote of the refiners'
 * answers, graded against gold. Also stored: the generators' own accuracy and vote (`round1_*`, as for
 * a debate's first round), their consensus, and the refiners' mean accuracy. `unitKey` lets methods
 * whose agents are identical (iteration 0) share one stored evaluation.
 */
export async function evaluateChains(
  ctx: MethodContext,
  method: string,
  iteration: number,
  seats: readonly Seat[],
  chains: number,
  unitKey = method,
): Promise<ChainsSummary> {
  return once(ctx, `${method}/it${iteration}/eval`, async () => {
    await runProtocol(ctx, {
      protocol: maltProtocol({ branching: [chains, 1, 1] }),
      method: unitKey,
      iteration,
      phase: "test",
      questions: ctx.test,
      seats,
      seedScope: `malt/test/it${iteration}`,
      label: `${method} eval it${iteration}`,
    });
    const trees = await loadTrees(ctx, unitKey, iteration, "test");
    const gold = new Map(ctx.test.map((q) => [q.rowId, q.gold]));
    const taskId = new Map(ctx.test.map((q) => [q.rowId, q.id]));
    const perQuestion: Record<string, number> = {};
    const graded: GradedQuestion[] = [],
      generators: boolean[] = [],
      votes: boolean[] = [],
      refiners: boolean[] = [];
    const firsts: Array<Array<string | null>> = [];
    for (const t of trees) {
      const g = gold.get(t.questionRowId)!;
      const right = ctx.task.grade(t.finalAnswer, g);
      graded.push({ correct: right, finalAnswer: t.finalAnswer, turns: t.turns });
      perQuestion[taskId.get(t.questionRowId)!] = right ? 1 : 0;
      const first = t.tree.roots.map((r) => r.answer);
      firsts.push(first);
      for (const a of first) generators.push(ctx.task.grade(a, g));
      votes.push(ctx.task.grade(plurality(first), g));
      for (const leaf of t.tree.leaves) refiners.push(leaf.value === 1);
    }
    const summary: ChainsSummary = {
      ...summarize(graded),
      consensus: consensus(firsts),
      round1Accuracy: accuracy(generators).accuracy,
      round1MajorityAccuracy: accuracy(votes).accuracy,
      refinerAccuracy: accuracy(refiners).accuracy,
      // One generator agent samples every chain: no per-agent split.
      agentRound1Accuracy: [],
      perQuestion,
    };
    await ctx.store.metrics.put(evalMetrics(ctx, method, iteration, summary, { refiner_accuracy: summary.refinerAccuracy }));
    ctx.log(
      `${method} iteration ${iteration}: accuracy ${(100 * summary.accuracy).toFixed(1)}% ± ${(100 * summary.stderr).toFixed(1)} (generators ${(100 * summary.round1Accuracy).toFixed(1)}%, refiners ${(100 * summary.refinerAccuracy).toFixed(1)}%, ${chains} chains voted)`,
    );
    return summary;
  });
}
