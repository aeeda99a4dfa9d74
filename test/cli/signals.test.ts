/**
 * SIGINT / SIGTERM end the CLI within a few seconds even while a model load is stuck (here: serve's lazy
 * load of a model file that is a FIFO nobody writes to, so the open never returns); a load that would block
 * the main thread itself (train's and eval's, synchronous) is refused before it starts. The real CLI.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GRACE_MS } from "../../src/cli/interrupt.js";
import { societyCli } from "../support/society-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "society-signals-"));

/** A FIFO named like a model: opening it for reading blocks until a writer comes, and none will. */
function stuckModel(name: string): string {
  const path = join(tmp, name);
  execFileSync("mkfifo", [path]);
  return path;
}

/**
 * Resolves once a thread of `pid` is blocked opening a FIFO (the kernel's wait_for_partner), i.e. the
 * model load is stuck; after 20 s without seeing it (a kernel that hides wchan), resolves anyway.
 */
async function stuckInOpen(pid: number): Promise<void> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    try {
      for (const t of readdirSync(`/proc/${pid}/task`)) if (readFileSync(`/proc/${pid}/task/${t}/wchan`, "utf8").includes("wait_for_partner")) return;
    } catch {
      // a thread ended between the listing and the read
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("a signal while a model load is stuck", () => {
  it("train and eval refuse a FIFO model at once: its synchronous load would block where no signal is handled", async () => {
    const model = stuckModel("train.gguf");
    const data = join(tmp, "chat.jsonl");
    writeFileSync(data, `${JSON.stringify({ messages: [{ role: "user", content: "1+1" }, { role: "assistant", content: "2" }] })}\n`);
    const [train, evaluate] = await Promise.all([
      societyCli(["train", "--model", model, "--data", data, "--out", join(tmp, "out.gguf")], { timeoutMs: 40_000 }),
      societyCli(["eval", "--model", model, "--task", "arithmetic", "--limit", "1", "--db", join(tmp, "e.db"), "--out-dir", join(tmp, "e")], { timeoutMs: 40_000 }),
    ]);
    expect(train.timedOut, train.out).toBe(false);
    expect(train.code, train.out).toBe(1);
    expect(train.out).toMatch(/train: base model .*train\.gguf is a FIFO, not a regular file/);
    expect(evaluate.timedOut, evaluate.out).toBe(false);
    expect(evaluate.code, evaluate.out).toBe(1);
    expect(evaluate.out).toMatch(/model\.base: .*train\.gguf is a FIFO, not a regular file/);
  }, 180_000);

  it("serve: SIGTERM during a request whose model load is stuck exits within a few seconds", async () => {
    const model = stuckModel("serve.gguf");
    let child: import("node:child_process").ChildProcess | undefined;
    let listening: (url: string) => void;
    const url = new Promise<string>((r) => (listening = r));
    const run = societyCli(["serve", "--port", "0", "--model", model, "--data-dir", join(tmp, "serve")], {
      timeoutMs: 40_000,
      onSpawn: (c) => (child = c),
      onOutput: (out) => {
        const m = /listening on (http:\/\/\S+\/v1)/.exec(out);
        if (m) listening(m[1]!);
      },
    });
    const base = await Promise.race([url, run.then((r) => Promise.reject(new Error(`serve exited before listening:\n${r.out}`)))]);
    const request = fetch(`${base}/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "serve", messages: [{ role: "user", content: "hi" }], max_tokens: 1 }),
    }).catch(() => undefined);
    await stuckInOpen(child!.pid!);
    const sent = Date.now();
    child!.kill("SIGTERM");
    const r = await run;
    const took = Date.now() - sent;
    await request;
    expect(r.timedOut, r.out).toBe(false);
    expect(took, r.out).toBeLessThan(GRACE_MS + 5000);
  }, 180_000);
});
