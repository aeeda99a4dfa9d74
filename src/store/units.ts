/**
 * Units: "this resumable piece of work finished" markers. The training loop names each unit with a
 * stable key (e.g. "multiagent-ft/l1/train/agent:3") and skips keys already marked on resume.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { Ctx } from "./ctx.js";
import type { Unit } from "./rows.js";
import { firstWriteWins } from "./util.js";

export function unitsRepo(ctx: Ctx) {
  const { t } = ctx;
  const u = t.units;
  const stored = (runId: string, key: string) =>
    ctx
      .db()
      .select()
      .from(u)
      .where(and(eq(u.runId, runId), eq(u.key, key)));
  const get = async (runId: string, key: string): Promise<Unit | undefined> => (await stored(runId, key))[0];
  return {
    /**
     * Marks the unit done with an optional JSON result. First write wins: marking it again returns the stored
     * marker unchanged. Call it inside the same `store.transaction` as the unit's own writes.
     */
    markDone: (runId: string, key: string, result?: unknown): Promise<Unit> =>
      ctx.tx(async () => {
        return firstWriteWins(
          ctx
            .db()
            .insert(u)
            .values({ runId, key, status: "done", result: result ?? null })
            .onConflictDoNothing({ target: [u.runId, u.key] })
            .returning(),
          () => stored(runId, key),
          "unit",
        );
      }),
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
