import { assignCredit, type ScoredTree, type TreeNode } from "../../protocols/malt/credit.js";
import type { Phase, Turn } from "../../store/index.js";
import type { MethodContext } from "../types.js";

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
export async function loadTrees(ctx: MethodContext, method: string, iteration: number, phase: Phase, threshold = 0.5): Promise<StoredTree[]> {
  const roles = new Map((await ctx.store.agents.list(ctx.runId, method)).map((a) => [a.id, a.role]));
  const questions = new Map([...ctx.train, ...ctx.test].map((q) => [q.rowId, q]));
  const units = await ctx.store.debates.list({ runId: ctx.runId, method, iteration, phase, status: "done" });
  const byUnit = new Map<string, Turn[]>();
  for (const t of await ctx.store.turns.listFor({ runId: ctx.runId, method, iteration, phase })) {
    const list = byUnit.get(t.debateId) ?? [];
    list.push(t);
    byUnit.set(t.debateId, list);
  }
  const key = (t: Turn) => (t.parseStatus === "unparsed" || t.parsedAnswer === null ? null : ctx.task.canonical(t.parsedAnswer));
  return units.map((u) => {
    const q = questions.get(u.questionId);
    if (!q) throw new Error(`unit ${u.id} is not on a question of this run`);
    const turns = byUnit.get(u.id) ?? [];
    const nodes: TreeNode[] = turns.map((t) => ({ turnId: t.id, role: roles.get(t.agentId) ?? "?", node: t.node, prompt: t.prompt, completion: t.completion, answer: key(t) }));
    const tree = assignCredit(q.id, nodes, (a) => (ctx.task.grade(a, q.gold) ? 1 : 0), threshold);
    return { debateId: u.id, questionRowId: u.questionId, finalAnswer: u.finalAnswer === null ? null : ctx.task.canonical(u.finalAnswer), tree, turns };
  });
}
