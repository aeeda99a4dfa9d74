/** Embedded SQLite through better-sqlite3: one connection, WAL, foreign keys on. */
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { UserError } from "../../errors.js";
import { makeDirs } from "../../util/dirs.js";
import { makeCtx, Mutex, type Db, type Tables } from "../ctx.js";
import * as schema from "../schema/sqlite.js";
import { migrationsFolder } from "./migrations.js";
import { checkColumns, checkMigrationLevel, type AppliedMigration } from "./schema-check.js";
import type { ConnectOptions, Connection } from "./types.js";

export function connectSqlite(path: string, opts: ConnectOptions): Connection {
  let client: Database.Database | undefined;
  try {
    if (path !== ":memory:") makeDirs(dirname(path));
    client = new Database(path);
    client.pragma("busy_timeout = 5000"); // another process (a report, a second run) may hold the write lock briefly
    client.pragma("journal_mode = WAL");
    client.pragma("foreign_keys = ON");
    client.pragma("synchronous = NORMAL"); // with WAL: durable across process crashes, fast commits
  } catch (err) {
    client?.close();
    throw new UserError(`cannot open SQLite store ${path}: ${(err as Error).message}`, { cause: err });
  }
  const db = drizzle({ client });
  const hasJournal = () => !!client!.prepare("select 1 from sqlite_master where type = 'table' and name = '__drizzle_migrations'").get();
  const applied = (): AppliedMigration[] =>
    hasJournal()
      ? (client!
          .prepare("select hash, created_at as createdAt from __drizzle_migrations order by created_at, rowid")
          .all() as AppliedMigration[])
      : [];
  // drizzle reads the journal before its BEGIN, so a second process opening the same new store at the same
  // moment finds the tables created under it and fails. When the journal moved meanwhile, someone else
  // migrated: read it again and apply what is still pending (nothing, usually).
  const applyMigrations = () => {
    for (let attempt = 0; ; attempt++) {
      const before = applied().length;
      try {
        return migrate(db, { migrationsFolder: migrationsFolder("sqlite") });
      } catch (err) {
        if (attempt < 3 && applied().length > before) continue;
        throw err;
      }
    }
  };
  try {
    checkMigrationLevel(applied(), "sqlite", opts.location);
    if (opts.migrate) {
      try {
        applyMigrations();
      } catch (err) {
        throw new UserError(`cannot migrate the store ${opts.location}: ${(err as Error).message}`, { cause: err });
      }
      checkColumns(liveColumns(client), opts.location, applied().length);
    }
  } catch (err) {
    client.close();
    throw err;
  }

  const lock = new Mutex();
  const root = db as unknown as Db; // see ctx.ts: repositories are typed against pg, same builder API
  let savepoints = 0;
  const ctx = makeCtx("sqlite", schema as unknown as Tables, root, {
    // IMMEDIATE takes the write lock up front, so a transaction never fails half-way on a busy database.
    begin: (fn) =>
      lock.run(async () => {
        client.exec("BEGIN IMMEDIATE");
        try {
          const result = await fn(root);
          client.exec("COMMIT");
          return result;
        } catch (err) {
          if (client.inTransaction) client.exec("ROLLBACK");
          throw err;
        }
      }),
    savepoint: async (db, fn) => {
      const name = `sp${++savepoints}`;
      client.exec(`SAVEPOINT ${name}`);
      try {
        const result = await fn(db);
        client.exec(`RELEASE ${name}`);
        return result;
      } catch (err) {
        client.exec(`ROLLBACK TO ${name}`);
        client.exec(`RELEASE ${name}`);
        throw err;
      }
    },
  });

  return {
    ctx,
    migrate: async () => lock.run(async () => applyMigrations()),
    migrationsApplied: async () => applied().length,
    close: async () => {
      if (client.open) client.close();
    },
  };
}

/** Table → column names of the live SQLite file. */
function liveColumns(client: Database.Database): Map<string, Set<string>> {
  const tables = client.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[];
  return new Map(
    tables.map(({ name }) => [
      name,
      new Set((client.pragma(`table_info(${JSON.stringify(name)})`) as { name: string }[]).map((c) => c.name)),
    ]),
  );
}
