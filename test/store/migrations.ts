import { readFileSync } from "node:fs";
import { join } from "node:path";

export const drizzleRoot = join(import.meta.dirname, "../../drizzle");

export interface Journal {
  entries: { idx: number; tag: string }[];
}

export function journal(dialect: "sqlite" | "pg"): Journal {
  return JSON.parse(readFileSync(join(drizzleRoot, dialect, "meta/_journal.json"), "utf8")) as Journal;
}

/** How many committed migrations a dialect has. */
export function migrationCount(dialect: "sqlite" | "pg"): number {
  return journal(dialect).entries.length;
}

/** table → sorted column names, from drizzle-kit's latest snapshot of a dialect. */
export function snapshotColumns(dialect: "sqlite" | "pg"): Record<string, string[]> {
  const last = journal(dialect).entries.at(-1)!;
  const snap = JSON.parse(
    readFileSync(join(drizzleRoot, dialect, "meta", `${String(last.idx).padStart(4, "0")}_snapshot.json`), "utf8"),
  ) as {
    tables: Record<string, { name: string; columns: Record<string, { name: string }> }>;
  };
  return Object.fromEntries(
    Object.values(snap.tables).map((t) => [
      t.name,
      Object.values(t.columns)
        .map((c) => c.name)
        .sort(),
    ]),
  );
}
