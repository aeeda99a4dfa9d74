import type { MethodContext } from "../types.js";

/**
 * Runs independent units (one agent's training each) at most `ctx.trainConcurrency` at a time, in order of
 * start: one at a time in a single process (same order as a plain loop), side by side when workers do them.
 */
export async function inParallel(ctx: MethodContext, units: Array<() => Promise<unknown>>): Promise<void> {
  const width = Math.max(1, ctx.trainConcurrency ?? 1);
  let next = 0;
  const lane = async () => {
    while (next < units.length) await units[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(width, units.length) }, lane));
}
