/** openStore: resolve the URL, connect, apply pending migrations, hand back the Store. */
import { connectSqlite } from "./connect/sqlite.js";
import type { Connection } from "./connect/types.js";
import { backfillQuestionHashes } from "./questions.js";
import { buildRepos, type Store } from "./store.js";
import { describeTarget, parseDbUrl, resolveDbUrl } from "./url.js";

export interface OpenStoreOptions {
  /** Environment for $SOCIETY_DB_URL (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Base for relative SQLite/PGlite paths (default process.cwd()). */
  cwd?: string;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
}

/**
 * Opens the run store named by `url` (CLI --db), else $SOCIETY_DB_URL, else runs/society.db.
 * Cheap: one connection (a pool for Postgres), migrations checked against the journal. Throws UserError
 * for a bad URL or an unreachable/unopenable database.
 */
export async function openStore(url?: string | null, opts: OpenStoreOptions = {}): Promise<Store> {
  const target = parseDbUrl(resolveDbUrl(url, opts.env), opts.cwd);
  const copts = { migrate: opts.migrate ?? true, location: describeTarget(target) };
  // Drivers are loaded on demand so a SQLite user never pays for pg or the PGlite WASM.
  let conn: Connection;
  if (target.dialect === "sqlite") conn = connectSqlite(target.path, copts);
  else if (target.dialect === "pglite") conn = await (await import("./connect/pglite.js")).connectPglite(target.dir, copts);
  else conn = await (await import("./connect/postgres.js")).connectPostgres(target.url, copts);

  if (copts.migrate) {
    try {
      await backfillQuestionHashes(conn.ctx);
    } catch (err) {
      await conn.close();
      throw err;
    }
  }
  let closed = false;
  return {
    ...buildRepos(conn.ctx),
    dialect: conn.ctx.dialect,
    location: copts.location,
    transaction: (fn) => conn.ctx.tx(fn),
    migrate: () => conn.migrate(),
    migrationsApplied: () => conn.migrationsApplied(),
    close: async () => {
      if (closed) return;
      closed = true;
      await conn.close();
    },
  };
}
