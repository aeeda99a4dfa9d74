/** The real `society` CLI in a child process (test/support/society-cli.ts), for the reliability harness: one thread, a timeout, timing. */
import type { ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { societyCli } from "../../test/support/society-cli.js";

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

export async function society(args: string[], o: RunOptions = {}): Promise<Ran> {
  const t0 = Date.now();
  const r = await societyCli(args, { ...o, env: { SOCIETY_LLAMA_THREADS: "1", ...o.env }, timeoutMs: o.timeoutMs ?? 1_800_000 });
  return { code: r.code, signal: r.signal, out: r.out, ms: Date.now() - t0, timedOut: r.timedOut ?? false };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
