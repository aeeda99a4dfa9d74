import type { BuiltDataset, BuiltPairs } from "../../datasets/types.js";
import type { Agent, Dataset } from "../../store/index.js";
import type { MethodContext } from "../types.js";

/** The split hygiene rule, enforced at the last door: no test question may reach any training set. */
function refuseTestQuestions(ctx: MethodContext, agent: Agent, rows: readonly { questionId: string }[]): void {
  const testIds = new Set(ctx.test.map((q) => q.id));
  const leaked = rows.filter((r) => testIds.has(r.questionId));
  if (leaked.length)
    throw new Error(
      `refusing to train ${agent.role} ${agent.agentIndex} on ${leaked.length} test question(s), e.g. ${leaked[0]!.questionId}`,
    );
}

/** Stores a built dataset (all rows in one transaction, idempotent on its key). */
export async function saveDataset(
  ctx: MethodContext,
  agent: Agent,
  iteration: number,
  built: BuiltDataset,
  kind: string = built.kind,
): Promise<Dataset> {
  refuseTestQuestions(ctx, agent, built.rows);
  return ctx.store.datasets.create(
    { runId: ctx.runId, method: agent.method, agentId: agent.id, iteration, kind },
    built.rows.map((r) => ({ sourceTurnIds: r.sourceTurnIds, messages: r.messages })),
  );
}

/**
 * Stores preference pairs as one dataset (format "preference"), with each pair's reference log-probs
 * when given, so a resumed run trains on them without recomputing.
 */
export async function savePairs(
  ctx: MethodContext,
  agent: Agent,
  iteration: number,
  built: BuiltPairs,
  refs?: readonly { chosen: number; rejected: number }[],
): Promise<Dataset> {
  refuseTestQuestions(ctx, agent, built.rows);
  if (refs && refs.length !== built.rows.length) throw new Error(`reference log-probs: ${refs.length} for ${built.rows.length} pairs`);
  return ctx.store.datasets.create(
    { runId: ctx.runId, method: agent.method, agentId: agent.id, iteration, kind: built.kind },
    built.rows.map((r, i) => ({
      sourceTurnIds: r.sourceTurnIds,
      messages: r.prompt,
      chosen: r.chosen,
      rejected: r.rejected,
      refChosenLogp: refs?.[i]?.chosen ?? null,
      refRejectedLogp: refs?.[i]?.rejected ?? null,
    })),
    { format: "preference" },
  );
}

/** The agent's stored dataset of `kind` at `iteration`, if any. */
export function findDataset(ctx: MethodContext, agent: Agent, iteration: number, kind: string): Promise<Dataset | undefined> {
  return ctx.store.datasets.find({ runId: ctx.runId, method: agent.method, agentId: agent.id, iteration, kind });
}
