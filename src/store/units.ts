/**
 * Units: "this resumable piece of work finished" markers. The training loop names each unit with a
 * stable key (e.g. "multiagent-ft/l1/train/agent:3") and skips keys already marked on resume.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { Ctx } from "./ctx.js";
import type { Unit } from "./rows.js";
import { insertOnce, whereEq } from "./util.js";

export function unitsRepo(ctx: Ctx) {
  const { t } = ctx;
  const u = t.units;
  const get = async (runId: string, key: string): Promise<Unit | undefined> => {
    const [row] = await ctx
      .db()
      .select()
      .from(u)
      .where(whereEq(u, ["runId", "key"], { runId, key }));
    return row;
  };
  return {
    /**
     * Marks the unit done with an optional JSON result. First write wins: marking it again returns the stored
     * marker unchanged. Call it inside the same `store.transaction` as the unit's own writes.
     */
    markDone: (runId: string, key: string, result?: unknown): Promise<Unit> =>
      insertOnce(ctx, u, { runId, key, status: "done", result: result ?? null }, ["runId", "key"], "unit"),
    isDone: async (runId: string, key: string): Promise<boolean> => (await get(runId, key))?.status === "done",
    get,
    /** The run's markers whose key starts with `prefix` (all when omitted), ordered by key. */
    list: (runId: string, prefix?: string): Promise<Unit[]> =>
      ctx
        .db()
        .select()
        .from(u)
        .where(and(eq(u.runId, runId), prefix ? eq(sql`substr(${u.key}, 1, ${prefix.length})`, prefix) : undefined))
        .orderBy(asc(u.key)),
  };
}

export type UnitsRepo = ReturnType<typeof unitsRepo>;
