/** Small helpers shared by the repository files. */
import { and, eq, getTableColumns, type SQL } from "drizzle-orm";
import type { PgInsertValue, PgTable } from "drizzle-orm/pg-core";
import type { Ctx } from "./ctx.js";

/** The names of a table's columns (its row fields). */
type ColumnName<T extends PgTable> = keyof T["_"]["columns"] & string;

/** The single row a write returned; a missing row here is a bug, not a user error. */
export function one<T>(rows: T[], what: string): T {
  const row = rows[0];
  if (row === undefined) throw new Error(`store: expected one ${what} row, got none`);
  return row;
}

/**
 * `column = value` for each named column, ANDed: one spelling for a key's read-back and a list's filter.
 * A value left undefined (an optional filter field not given) adds no condition.
 */
export function whereEq<T extends PgTable, K extends ColumnName<T>>(
  table: T,
  names: readonly K[],
  values: { readonly [P in K]?: unknown },
): SQL | undefined {
  const columns = getTableColumns(table);
  return and(...names.map((n) => (values[n] === undefined ? undefined : eq(columns[n]!, values[n]))));
}

/**
 * Inserts `row` unless a row with the same `key` columns is stored, in one transaction; returns the stored
 * row either way. First write wins, so a resumed run gets back exactly what it wrote before.
 */
export function insertOnce<T extends PgTable, K extends ColumnName<T>>(
  ctx: Ctx,
  table: T,
  row: PgInsertValue<T> & { readonly [P in K]: unknown },
  key: readonly K[],
  what: string,
): Promise<T["$inferSelect"]> {
  type Row = T["$inferSelect"];
  const columns = getTableColumns(table);
  return ctx.tx(async () => {
    // An undefined key value would drop its condition from the read-back and match other rows.
    const missing = key.filter((k) => row[k] === undefined);
    if (missing.length) throw new Error(`store: ${what} key is missing ${missing.join(", ")}`);
    const [inserted] = (await ctx
      .db()
      .insert(table)
      .values(row)
      .onConflictDoNothing({ target: key.map((k) => columns[k]!) })
      .returning()) as Row[];
    if (inserted) return inserted;
    const stored = await ctx
      .db()
      .select()
      .from(table as PgTable)
      .where(whereEq(table, key, row));
    return one(stored as Row[], what);
  });
}

/** Splits bulk inserts so no statement exceeds SQLite's bound-parameter limit. */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Keeps only the fields that are not undefined, so an update patch leaves other columns alone. */
export function defined<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}
