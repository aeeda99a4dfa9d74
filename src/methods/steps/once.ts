import type { MethodContext } from "../types.js";

/**
 * Runs a resumable unit of work at most once per run: when `key` is already marked done, returns the
 * stored result without running `fn`. `fn` must itself write its outputs idempotently (the store's
 * insert-or-return functions), so a crash between its writes and the marker only repeats harmless work.
 */
export async function once<T>(ctx: MethodContext, key: string, fn: () => Promise<T>): Promise<T> {
  const done = await ctx.store.units.get(ctx.runId, key);
  if (done?.status === "done") return done.result as T;
  const result = await fn();
  await ctx.store.units.markDone(ctx.runId, key, result ?? null);
  return result;
}
