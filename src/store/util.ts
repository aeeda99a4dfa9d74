/** Small helpers shared by the repository files. */

/** The single row a write returned; a missing row here is a bug, not a user error. */
export function one<T>(rows: T[], what: string): T {
  const row = rows[0];
  if (row === undefined) throw new Error(`store: expected one ${what} row, got none`);
  return row;
}

/** First write wins: the row a conflict-ignoring insert returned, else the one already stored under its key. */
export async function firstWriteWins<T>(insert: PromiseLike<T[]>, stored: () => PromiseLike<T[]>, what: string): Promise<T> {
  const [row] = await insert;
  return row ?? one(await stored(), what);
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
