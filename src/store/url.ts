/**
 * Which database a command uses. Resolution order: the explicit argument (CLI `--db`), then
 * $SOCIETY_DB_URL, then `runs/society.db` under the working directory.
 * Accepted forms: a SQLite file path (optionally `sqlite:`/`file:` prefixed, or `:memory:`),
 * `postgres://…` / `postgresql://…`, and `pglite://<dir>` or `pglite://memory` (Postgres in-process, no server).
 */
import { isAbsolute, resolve } from "node:path";
import { UserError } from "../errors.js";

export const DEFAULT_DB_PATH = "runs/society.db";
export const DB_URL_ENV = "SOCIETY_DB_URL";

export type DbTarget =
  | { dialect: "sqlite"; path: string } // absolute path, or ":memory:"
  | { dialect: "postgres"; url: string }
  | { dialect: "pglite"; dir: string | null }; // null: in memory

/** arg > $SOCIETY_DB_URL > runs/society.db; empty strings count as not given. */
export function resolveDbUrl(arg?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  if (arg?.trim()) return arg.trim();
  const fromEnv = env[DB_URL_ENV]?.trim();
  return fromEnv || DEFAULT_DB_PATH;
}

export function parseDbUrl(url: string, cwd: string = process.cwd()): DbTarget {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: "postgres", url };
  const pglite = /^pglite:(?:\/\/)?(.*)$/i.exec(url);
  if (pglite) {
    const dir = pglite[1]!;
    return { dialect: "pglite", dir: dir === "" || dir === "memory" ? null : abs(dir) };
  }
  const sqlite = /^(?:sqlite|file):(?:\/\/)?(.*)$/i.exec(url);
  const path = sqlite ? sqlite[1]! : url;
  if (sqlite && path === "") throw new UserError(`--db "${url}": the SQLite URL names no file`);
  if (!sqlite && /^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new UserError(
      `--db "${redact(url)}": unsupported database URL scheme (use a SQLite file path, postgres://…, or pglite://<dir>|memory)`,
    );
  }
  return { dialect: "sqlite", path: path === ":memory:" ? path : abs(path) };
}

/** The URL with any password replaced by ***, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, "$1***@");
}

/** One line naming the target, safe to print. */
export function describeTarget(t: DbTarget): string {
  if (t.dialect === "sqlite") return `sqlite:${t.path}`;
  if (t.dialect === "pglite") return `pglite://${t.dir ?? "memory"}`;
  return redact(t.url);
}
