/** A PostgreSQL server through node-postgres (a pool; transactions hold one pooled client). */
import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { UserError } from "../../errors.js";
import { makeCtx, pgTxDriver, type Db } from "../ctx.js";
import * as schema from "../schema/pg.js";
import { redact } from "../url.js";
import { countPgMigrations, migrationsFolder, pgAppliedMigrations, pgLiveColumns } from "./migrations.js";
import { checkColumns, checkMigrationLevel } from "./schema-check.js";
import type { ConnectOptions, Connection } from "./types.js";

/** Arbitrary constant: serializes migrations of concurrent `society` processes on one database. */
const MIGRATION_LOCK = 7_150_513_370;

export async function connectPostgres(url: string, opts: ConnectOptions): Promise<Connection> {
  await migrateLocked(url, opts);
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  pool.on("error", () => undefined); // an idle client dropped by the server must not crash the process
  const db = drizzle({ client: pool });
  const root = db as unknown as Db;
  return {
    ctx: makeCtx("postgres", schema, root, pgTxDriver(root)),
    migrate: () => migrateLocked(url, opts),
    migrationsApplied: () => countPgMigrations((q) => pool.query(q).then((r) => r.rows)),
    close: () => pool.end(),
  };
}

/**
 * On one dedicated connection holding an advisory lock: checks the migration level, applies pending
 * migrations (when opts.migrate) and checks the tables against this build's schema.
 */
async function migrateLocked(url: string, opts: ConnectOptions): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (err) {
    throw new UserError(`cannot connect to ${redact(url)}: ${(err as Error).message}`, { cause: err });
  }
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
    const query = (q: string) => client.query(q).then((r) => r.rows as Record<string, unknown>[]);
    checkMigrationLevel(await pgAppliedMigrations(query), "pg", opts.location);
    if (!opts.migrate) return;
    try {
      await migrate(drizzle({ client }), { migrationsFolder: migrationsFolder("pg") });
    } catch (err) {
      throw new UserError(`cannot migrate the store ${opts.location}: ${(err as Error).message}`, { cause: err });
    }
    checkColumns(await pgLiveColumns(query), opts.location, (await pgAppliedMigrations(query)).length);
  } finally {
    await client.end(); // ending the session releases the advisory lock
  }
}
