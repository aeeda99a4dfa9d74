import type { Debate, Phase, Turn } from "../../store/index.js";
import type { MethodContext } from "../types.js";

/** A finished unit of a method's protocol read back from the store: the unit, its question and its turns. */
export interface StoredUnit {
  unit: Debate;
  question: MethodContext["train"][number];
  turns: Turn[];
}

/**
 * The finished units (debates, trees, discussions) of one method, iteration and phase with their questions and
 * turns, and each agent's role by store id: what every protocol's read-back starts from.
 */
export async function loadFinishedUnits(
  ctx: MethodContext,
  method: string,
  iteration: number,
  phase: Phase,
): Promise<{ roles: Map<string, string>; units: StoredUnit[] }> {
  const roles = new Map((await ctx.store.agents.list(ctx.runId, method)).map((a) => [a.id, a.role]));
  const questions = new Map([...ctx.train, ...ctx.test].map((q) => [q.rowId, q]));
  const debates = await ctx.store.debates.list({ runId: ctx.runId, method, iteration, phase, status: "done" });
  const byUnit = new Map<string, Turn[]>();
  for (const t of await ctx.store.turns.listFor({ runId: ctx.runId, method, iteration, phase })) {
    const list = byUnit.get(t.debateId) ?? [];
    list.push(t);
    byUnit.set(t.debateId, list);
  }
  const units = debates.map((unit) => {
    const question = questions.get(unit.questionId);
    if (!question) throw new Error(`unit ${unit.id} is not on a question of this run`);
    return { unit, question, turns: byUnit.get(unit.id) ?? [] };
  });
  return { roles, units };
}
