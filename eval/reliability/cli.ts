/** The real `society` CLI in a child process, for the reliability harness: timeouts, output hooks, timing. */
import { spawn, type ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "../..");

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  ms: number;
  timedOut: boolean;
}

export interface RunOptions {
  env?: Record<string, string>;
  timeoutMs?: number;
  onSpawn?: (child: ChildProcess) => void;
  onOutput?: (out: string, child: ChildProcess) => void;
}

export function society(args: string[], o: RunOptions = {}): Promise<Ran> {
  return new Promise((done, fail) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [join(root, "bin/society.js"), ...args], { cwd: root, env: { ...process.env, SOCIETY_LLAMA_THREADS: "1", ...o.env } });
    o.onSpawn?.(child);
    let out = "";
    let timedOut = false;
    const onData = (d: Buffer) => {
      out += d;
      o.onOutput?.(out, child);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => ((timedOut = true), child.kill("SIGKILL")), o.timeoutMs ?? 1_800_000);
    child.on("error", fail);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, out, ms: Date.now() - t0, timedOut });
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
