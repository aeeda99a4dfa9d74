/**
 * The store's migration level and shape, checked on every open: a database migrated by a newer build
 * (or a different one), or one whose tables lost a column, is refused with a clear error instead of
 * failing later with raw SQL errors. Older databases are simply migrated forward.
 */
import { getTableConfig as pgTableConfig, PgTable } from "drizzle-orm/pg-core";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { UserError } from "../../errors.js";
import * as pgSchema from "../schema/pg.js";
import { migrationsFolder } from "./migrations.js";

/** A row of drizzle's migration journal table (`__drizzle_migrations`). */
export interface AppliedMigration {
  hash: string;
  createdAt: number;
}

/**
 * Throws when the database records a migration this build does not have (newer, or a different file at
 * the same place). Call before migrating: drizzle's migrator would silently apply nothing then.
 */
export function checkMigrationLevel(applied: readonly AppliedMigration[], dialect: "sqlite" | "pg", location: string): void {
  const known = readMigrationFiles({ migrationsFolder: migrationsFolder(dialect) });
  const newest = known.at(-1)?.folderMillis ?? 0;
  const level = (n: number) => `migration level ${n}`;
  if (applied.length > known.length || applied.some((m) => Number(m.createdAt) > newest)) {
    throw new UserError(
      `the store ${location} is at ${level(applied.length)}, newer than this build of society (${level(known.length)}): ` +
        "it was written by a newer version; upgrade society to open it",
    );
  }
  applied.forEach((m, i) => {
    if (m.hash !== known[i]!.hash) {
      throw new UserError(
        `the store ${location} was migrated by a different build of society: its migration ${i + 1} of ${applied.length} does not match ` +
          `this build's (${level(known.length)}); open it with the build that made it`,
      );
    }
  });
}

/** Every table and column this build's schema defines (the same names on both dialects). */
export function expectedColumns(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const t of Object.values(pgSchema)) {
    if (!(t instanceof PgTable)) continue;
    const c = pgTableConfig(t);
    out.set(
      c.name,
      c.columns.map((col) => col.name),
    );
  }
  return out;
}

/** Throws when a table or column of the schema is missing from the live database (`live`: table → columns). */
export function checkColumns(live: ReadonlyMap<string, ReadonlySet<string>>, location: string, level: number): void {
  const missing: string[] = [];
  for (const [table, cols] of expectedColumns()) {
    const have = live.get(table);
    if (!have) missing.push(`table ${table}`);
    else for (const c of cols) if (!have.has(c)) missing.push(`column ${table}.${c}`);
  }
  if (missing.length) {
    throw new UserError(
      `the store ${location} does not match its migration level ${level}: missing ${missing.join(", ")}. ` +
        "It was changed outside society; restore it from a backup, or use another database (--db)",
    );
  }
}
