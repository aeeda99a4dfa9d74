import type { BuiltDataset } from "../../datasets/types.js";
import type { Agent, Dataset } from "../../store/index.js";
import type { MethodContext } from "../types.js";

/**
 * Stores a built dataset (all rows in one transaction, idempotent on its key). The split hygiene rule is
 * enforced here, at the last door: no test question may reach any training set.
 */
export async function saveDataset(ctx: MethodContext, agent: Agent, iteration: number, built: BuiltDataset, kind: string = built.kind): Promise<Dataset> {
  const testIds = new Set(ctx.test.map((q) => q.id));
  const leaked = built.rows.filter((r) => testIds.has(r.questionId));
  if (leaked.length) throw new Error(`refusing to train ${agent.role} ${agent.agentIndex} on ${leaked.length} test question(s), e.g. ${leaked[0]!.questionId}`);
  return ctx.store.datasets.create(
    { runId: ctx.runId, method: agent.method, agentId: agent.id, iteration, kind },
    built.rows.map((r) => ({ sourceTurnIds: r.sourceTurnIds, messages: r.messages })),
  );
}
