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
