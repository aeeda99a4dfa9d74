import { assignCredit, type ScoredTree, type TreeNode } from "../../protocols/malt/credit.js";
import type { Phase, Turn } from "../../store/index.js";
import type { MethodContext } from "../types.js";
import { loadFinishedUnits } from "./stored-units.js";

export interface StoredTree {
  debateId: string;
  questionRowId: string;
  /** The unit's final answer (vote of the refiners), as a vote key; null when none parsed. */
  finalAnswer: string | null;
  tree: ScoredTree;
  turns: Turn[];
}

/**
 * Reads finished MALT trees back from the store and values them against the gold answers (credit.ts):
 * each refiner leaf's reward is whether its answer grades right.
 */
export async function loadTrees(
  ctx: MethodContext,
  method: string,
  iteration: number,
  phase: Phase,
  threshold = 0.5,
): Promise<StoredTree[]> {
  const { roles, units } = await loadFinishedUnits(ctx, method, iteration, phase);
  const key = (t: Turn) => (t.parseStatus === "unparsed" || t.parsedAnswer === null ? null : ctx.task.canonical(t.parsedAnswer));
  return units.map(({ unit: u, question: q, turns }) => {
    const nodes: TreeNode[] = turns.map((t) => ({
      turnId: t.id,
      role: roles.get(t.agentId) ?? "?",
      node: t.node,
      prompt: t.prompt,
      completion: t.completion,
      answer: key(t),
    }));
    const tree = assignCredit(q.id, nodes, (a) => (ctx.task.grade(a, q.gold) ? 1 : 0), threshold);
    return {
      debateId: u.id,
      questionRowId: u.questionId,
      finalAnswer: u.finalAnswer === null ? null : ctx.task.canonical(u.finalAnswer),
      tree,
      turns,
    };
  });
}
