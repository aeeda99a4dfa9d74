/** PostgreSQL in-process through PGlite (WASM): the Postgres dialect with no server, for tests and trials. */
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { UserError } from "../../errors.js";
import { makeCtx, pgTxDriver, type Db } from "../ctx.js";
import * as schema from "../schema/pg.js";
import { countPgMigrations, migrationsFolder } from "./migrations.js";
import type { ConnectOptions, Connection } from "./types.js";

export async function connectPglite(dir: string | null, opts: ConnectOptions): Promise<Connection> {
  let client: PGlite;
  try {
    if (dir) mkdirSync(dir, { recursive: true });
    client = dir ? new PGlite(dir) : new PGlite();
    await client.waitReady;
  } catch (err) {
    throw new UserError(`cannot open PGlite store ${dir ?? "memory"}: ${(err as Error).message}`, { cause: err });
  }
  const db = drizzle({ client });
  const applyMigrations = () => migrate(db, { migrationsFolder: migrationsFolder("pg") });
  if (opts.migrate) await applyMigrations().catch(async (err: unknown) => {
    await client.close();
    throw err;
  });
  const root = db as unknown as Db;
  return {
    ctx: makeCtx("pglite", schema, root, pgTxDriver(root)),
    migrate: applyMigrations,
    migrationsApplied: () => countPgMigrations((q) => client.query<{ n: number }>(q).then((r) => r.rows)),
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}
