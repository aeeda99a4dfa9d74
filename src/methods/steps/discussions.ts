import type { Discussion, DiscussionTurn } from "../../datasets/saie-data.js";
import type { RemarkMeta } from "../../protocols/saie/discussion.js";
import type { Phase } from "../../store/index.js";
import type { MethodContext } from "../types.js";
import { loadFinishedUnits } from "./stored-units.js";

/**
 * Reads finished SAIE discussions back from the store as the data builder sees them (datasets/saie-data.ts):
 * learner and remark turns with canonical answers, each remark's kind and claim from its meta, the
 * reference the remarks were built on, and the question's worked gold solution when gold is used.
 * The partner's reference ballots (reference "majority") are not part of the discussion.
 */
export async function loadDiscussions(
  ctx: MethodContext,
  method: string,
  iteration: number,
  phase: Phase,
  o: { gold: boolean },
): Promise<Discussion[]> {
  const { roles, units } = await loadFinishedUnits(ctx, method, iteration, phase);
  const key = (a: string | null) => (a === null ? null : ctx.task.canonical(a));
  return units.map(({ unit: u, question: q, turns: unitTurns }) => {
    let reference: string | null = null;
    const turns: DiscussionTurn[] = [];
    for (const t of unitTurns) {
      if (t.node !== "") continue; // reference ballots
      const role = roles.get(t.agentId);
      if (role !== "learner" && role !== "partner") throw new Error(`saie unit ${u.id}: turn ${t.id} by a ${role ?? "unknown"} agent`);
      const answer = t.parseStatus === "unparsed" ? null : key(t.parsedAnswer);
      const turn: DiscussionTurn = { turnId: t.id, role, round: t.round, prompt: t.prompt, completion: t.completion, answer };
      if (role === "partner") {
        const m = t.meta as Partial<RemarkMeta> | null;
        if (
          !m ||
          (m.remark !== "supportive" && m.remark !== "adversarial") ||
          typeof m.claim !== "string" ||
          typeof m.reference !== "string"
        ) {
          throw new Error(`saie unit ${u.id}: remark turn ${t.id} has no remark meta`);
        }
        turn.remark = { kind: m.remark, claim: ctx.task.canonical(m.claim) };
        reference = ctx.task.canonical(m.reference);
      }
      turns.push(turn);
    }
    return { questionId: q.id, reference, ...(o.gold ? { goldSolution: ctx.task.goldSolution(q) } : {}), turns };
  });
}
