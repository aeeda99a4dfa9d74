/** A PostgreSQL server through node-postgres (a pool; transactions hold one pooled client). */
import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { UserError } from "../../errors.js";
import { makeCtx, pgTxDriver, type Db } from "../ctx.js";
import * as schema from "../schema/pg.js";
import { redact } from "../url.js";
import { countPgMigrations, migrationsFolder } from "./migrations.js";
import type { ConnectOptions, Connection } from "./types.js";

/** Arbitrary constant: serializes migrations of concurrent `society` processes on one database. */
const MIGRATION_LOCK = 7_150_513_370;

export async function connectPostgres(url: string, opts: ConnectOptions): Promise<Connection> {
  if (opts.migrate) await migrateLocked(url);
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  pool.on("error", () => undefined); // an idle client dropped by the server must not crash the process
  const db = drizzle({ client: pool });
  const root = db as unknown as Db;
  return {
    ctx: makeCtx("postgres", schema, root, pgTxDriver(root)),
    migrate: () => migrateLocked(url),
    migrationsApplied: () => countPgMigrations((q) => pool.query(q).then((r) => r.rows)),
    close: () => pool.end(),
  };
}

/** Applies pending migrations on one dedicated connection holding an advisory lock. */
async function migrateLocked(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (err) {
    throw new UserError(`cannot connect to ${redact(url)}: ${(err as Error).message}`, { cause: err });
  }
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await migrate(drizzle({ client }), { migrationsFolder: migrationsFolder("pg") });
  } finally {
    await client.end(); // ending the session releases the advisory lock
  }
}
