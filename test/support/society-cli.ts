/**
 * Runs the real CLI (`bin/society.js`) in a child process; with `killWhen`, polls the run's SQLite store
 * (read-only, every 50 ms) and SIGKILLs the child the moment the predicate holds: the crash a resume
 * must survive. Also used by the reliability harness (eval/reliability/).
 */
import Database from "better-sqlite3";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  /** Set when `timeoutMs` passed and the child was SIGKILLed for it. */
  timedOut?: boolean;
}

export interface CliOptions {
  env?: Record<string, string>;
  killWhen?: (db: Database.Database) => boolean;
  /** SIGKILL the child after this long (a hang is a failure, not a stuck test run). */
  timeoutMs?: number;
  /** Called with everything printed so far, after each chunk (e.g. to signal the child at a given line). */
  onOutput?: (out: string, child: ChildProcess) => void;
  /** Called with the child as soon as it is spawned. */
  onSpawn?: (child: ChildProcess) => void;
}

export function societyCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(root, "bin/society.js"), ...args], { cwd: root, env: { ...process.env, ...opts.env } });
    opts.onSpawn?.(child);
    let out = "";
    let timedOut = false;
    const onData = (d: Buffer) => {
      out += d;
      opts.onOutput?.(out, child);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const deadline = opts.timeoutMs ? setTimeout(() => ((timedOut = true), child.kill("SIGKILL")), opts.timeoutMs) : undefined;
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
      if (deadline) clearTimeout(deadline);
      done({ code, signal, out, ...(opts.timeoutMs ? { timedOut } : {}) });
    });
  });
}

/** Polls a run's SQLite store (read-only, every 50 ms) until `sql` returns a row; false at the deadline. */
export async function waitForRow(dbPath: string, sql: string, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const raw = new Database(dbPath, { readonly: true, fileMustExist: true });
      const hit = raw.prepare(sql).get();
      raw.close();
      if (hit) return true;
    } catch {
      // not created yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
