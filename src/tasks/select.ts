import { UserError } from "../errors.js";
import { shuffled } from "./rng.js";
import type { QuestionsOptions } from "./types.js";

/** Applies seed (shuffle), offset and limit, validating them. */
export function selectRows<T>(task: string, items: T[], opts: QuestionsOptions): T[] {
  const offset = opts.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw new UserError(`${task}: offset must be an integer ≥ 0, got ${offset}`);
  if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 0)) {
    throw new UserError(`${task}: limit must be an integer ≥ 0, got ${opts.limit}`);
  }
  const ordered = opts.seed === undefined ? items : shuffled(items, opts.seed);
  return ordered.slice(offset, opts.limit === undefined ? undefined : offset + opts.limit);
}
