import { fileURLToPath } from "node:url";

/** The committed migration folder of a dialect (drizzle/sqlite or drizzle/pg at the repo root). */
export function migrationsFolder(dialect: "sqlite" | "pg"): string {
  return fileURLToPath(new URL(`../../../drizzle/${dialect}`, import.meta.url));
}

/** Counts drizzle's applied-migration records in a Postgres database (0 before the first migration). */
export async function countPgMigrations(query: (sql: string) => Promise<{ n: number | string }[]>): Promise<number> {
  const [has] = await query("select to_regclass('drizzle.__drizzle_migrations') is not null as n");
  if (!has?.n) return 0;
  const [row] = await query("select count(*)::int as n from drizzle.__drizzle_migrations");
  return Number(row?.n ?? 0);
}

type Query = (sql: string) => Promise<Record<string, unknown>[]>;

/** drizzle's applied-migration records in a Postgres database, oldest first (none before the first migration). */
export async function pgAppliedMigrations(query: Query): Promise<{ hash: string; createdAt: number }[]> {
  const [has] = await query("select to_regclass('drizzle.__drizzle_migrations') is not null as n");
  if (!has?.n) return [];
  return (await query("select hash, created_at from drizzle.__drizzle_migrations order by created_at, id")).map((r) => ({
    hash: String(r.hash),
    createdAt: Number(r.created_at),
  }));
}

/** Table → column names in the current schema of a Postgres database. */
export async function pgLiveColumns(query: Query): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const r of await query("select table_name, column_name from information_schema.columns where table_schema = current_schema()")) {
    const t = String(r.table_name);
    if (!out.has(t)) out.set(t, new Set());
    out.get(t)!.add(String(r.column_name));
  }
  return out;
}
