/** Iterations: the l-th round of debate → filter → train, per run and method. */
import { asc } from "drizzle-orm";
import type { Ctx } from "./ctx.js";
import type { Iteration, IterationStatus } from "./rows.js";
import { insertOnce, one, whereEq } from "./util.js";

export interface IterationKey {
  runId: string;
  method: string;
  iteration: number;
}

/** The columns that identify one row (its unique index). */
const KEY = ["runId", "method", "iteration"] as const;

export function iterationsRepo(ctx: Ctx) {
  const { t } = ctx;
  const where = (k: IterationKey) => whereEq(t.iterations, KEY, k);
  const get = async (k: IterationKey): Promise<Iteration | undefined> => {
    const [row] = await ctx.db().select().from(t.iterations).where(where(k));
    return row;
  };
  return {
    get,
    /** Get-or-create: returns the stored row (whatever its status) when the iteration was started before. */
    start: (k: IterationKey): Promise<Iteration> => insertOnce(ctx, t.iterations, k, KEY, "iteration"),
    /** Marks a started iteration finished. Throws when it was never started. */
    finish: (k: IterationKey, status: Exclude<IterationStatus, "running"> = "done"): Promise<Iteration> =>
      ctx.tx(async () =>
        one(
          await ctx.db().update(t.iterations).set({ status, finishedAt: new Date() }).where(where(k)).returning(),
          `iteration ${k.method}/${k.iteration}`,
        ),
      ),
    /** Ordered by method, then iteration. */
    list: (runId: string, method?: string): Promise<Iteration[]> =>
      ctx
        .db()
        .select()
        .from(t.iterations)
        .where(whereEq(t.iterations, ["runId", "method"], { runId, method }))
        .orderBy(asc(t.iterations.method), asc(t.iterations.iteration)),
  };
}

export type IterationsRepo = ReturnType<typeof iterationsRepo>;
