/**
 * Runs the real CLI (`bin/society.js`) in a child process; with `killWhen`, polls the run's SQLite store
 * (read-only, every 50 ms) and SIGKILLs the child the moment the predicate holds: the crash a resume
 * must survive.
 */
import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

export function societyCli(args: string[], opts: { env?: Record<string, string>; killWhen?: (db: Database.Database) => boolean } = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(root, "bin/society.js"), ...args], { cwd: root, env: { ...process.env, ...opts.env } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    let timer: NodeJS.Timeout | undefined;
    const killWhen = opts.killWhen;
    if (killWhen) {
      const dbPath = args[args.indexOf("--db") + 1]!;
      timer = setInterval(() => {
        if (!existsSync(dbPath)) return;
        let db: Database.Database | undefined;
        try {
          db = new Database(dbPath, { readonly: true, fileMustExist: true });
          if (killWhen(db)) {
            clearInterval(timer);
            child.kill("SIGKILL");
          }
        } catch {
          // tables not created yet
        } finally {
          db?.close();
        }
      }, 50);
    }
    child.on("error", fail);
    child.on("close", (code, signal) => {
      if (timer) clearInterval(timer);
      done({ code, signal, out });
    });
  });
}
