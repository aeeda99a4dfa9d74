/** PostgreSQL in-process through PGlite (WASM): the Postgres dialect with no server, for tests and trials. */
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { UserError } from "../../errors.js";
import { makeDirs } from "../../util/dirs.js";
import { makeCtx, pgTxDriver, type Db } from "../ctx.js";
import * as schema from "../schema/pg.js";
import { countPgMigrations, migrationsFolder, pgAppliedMigrations, pgLiveColumns } from "./migrations.js";
import { checkColumns, checkMigrationLevel } from "./schema-check.js";
import type { ConnectOptions, Connection } from "./types.js";

export async function connectPglite(dir: string | null, opts: ConnectOptions): Promise<Connection> {
  let client: PGlite;
  try {
    if (dir) makeDirs(dir);
    client = dir ? new PGlite(dir) : new PGlite();
    await client.waitReady;
  } catch (err) {
    throw new UserError(`cannot open PGlite store ${dir ?? "memory"}: ${(err as Error).message}`, { cause: err });
  }
  const db = drizzle({ client });
  const applyMigrations = () => migrate(db, { migrationsFolder: migrationsFolder("pg") });
  const query = (q: string) => client.query<Record<string, unknown>>(q).then((r) => r.rows);
  try {
    checkMigrationLevel(await pgAppliedMigrations(query), "pg", opts.location);
    if (opts.migrate) {
      await applyMigrations().catch((err: unknown) => {
        throw new UserError(`cannot migrate the store ${opts.location}: ${(err as Error).message}`, { cause: err });
      });
      checkColumns(await pgLiveColumns(query), opts.location, (await pgAppliedMigrations(query)).length);
    }
  } catch (err) {
    await client.close();
    throw err;
  }
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
