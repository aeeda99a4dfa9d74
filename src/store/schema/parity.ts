/**
 * Compile-time proof that the two dialect schemas give the same row types, so repository code written
 * once (against the pg types) returns the same shapes on SQLite. `tsc` fails here when they drift.
 */
import type * as pg from "./pg.js";
import type * as sqlite from "./sqlite.js";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
type Tables = keyof typeof pg;
type Rows<S, K extends keyof S> = S[K] extends { $inferSelect: infer R } ? R : never;
type Inserts<S, K extends keyof S> = S[K] extends { $inferInsert: infer R } ? R : never;

export type SameTableNames = Check<Same<Tables, keyof typeof sqlite>>;
export type SameRows = Check<Same<{ [K in Tables]: Rows<typeof pg, K> }, { [K in Tables]: Rows<typeof sqlite, K> }>>;
export type SameInserts = Check<Same<{ [K in Tables]: Inserts<typeof pg, K> }, { [K in Tables]: Inserts<typeof sqlite, K> }>>;
