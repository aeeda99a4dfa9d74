/** Iterations: the l-th round of debate → filter → train, per run and method. */
import { and, asc, eq } from "drizzle-orm";
import type { Ctx } from "./ctx.js";
import type { Iteration, IterationStatus } from "./rows.js";
import { one } from "./util.js";

export interface IterationKey {
  runId: string;
  method: string;
  iteration: number;
}

export function iterationsRepo(ctx: Ctx) {
  const { t } = ctx;
  const where = (k: IterationKey) =>
    and(eq(t.iterations.runId, k.runId), eq(t.iterations.method, k.method), eq(t.iterations.iteration, k.iteration));
  const get = async (k: IterationKey): Promise<Iteration | undefined> => {
    const [row] = await ctx.db().select().from(t.iterations).where(where(k));
    return row;
  };
  return {
    get,
    /** Get-or-create: returns the stored row (whatever its status) when the iteration was started before. */
    start: (k: IterationKey): Promise<Iteration> =>
      ctx.tx(async () => {
        const [row] = await ctx
          .db()
          .insert(t.iterations)
          .values(k)
          .onConflictDoNothing({ target: [t.iterations.runId, t.iterations.method, t.iterations.iteration] })
          .returning();
        return row ?? one(await ctx.db().select().from(t.iterations).where(where(k)), "iteration");
      }),
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
        .where(and(eq(t.iterations.runId, runId), method !== undefined ? eq(t.iterations.method, method) : undefined))
        .orderBy(asc(t.iterations.method), asc(t.iterations.iteration)),
  };
}

export type IterationsRepo = ReturnType<typeof iterationsRepo>;
