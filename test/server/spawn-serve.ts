/** Starts the real `society serve` CLI in a child process on a free loopback port; for tests and benches. */
import { spawn, type ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

export interface ServeProcess {
  /** e.g. http://127.0.0.1:41234/v1 */
  baseURL: string;
  child: ChildProcess;
  output: () => string;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
}

export function spawnServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [join(root, "bin/society.js"), "serve", "--port", "0", ...args], {
    cwd: root,
    env: { ...process.env, SOCIETY_LLAMA_THREADS: "1", ...env },
  });
  let out = "";
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return new Promise((done, fail) => {
    const onData = (d: Buffer) => {
      out += d;
      const m = /listening on (http:\/\/\S+\/v1)/.exec(out);
      if (m) {
        done({
          baseURL: m[1]!,
          child,
          output: () => out,
          stop: async () => {
            if (child.exitCode === null) child.kill("SIGTERM");
            return exited;
          },
        });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) => fail(new Error(`society serve exited (${code}) before listening:\n${out}`)));
  });
}
