/**
 * SIGINT / SIGTERM end the CLI within a few seconds even while its work is stuck (a model load that never
 * returns). Work that would block the main thread itself — opening a FIFO named as a model — is refused
 * before it starts (no signal handler could run then); stuck asynchronous work is aborted, then forced out
 * after GRACE_MS, by the handlers of src/cli/interrupt.ts.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { execFileSync, spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GRACE_MS } from "../../src/cli/interrupt.js";
import { chatLine } from "../support/chat-jsonl-lines.js";
import { societyCli } from "../support/society-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "society-signals-"));

/** A FIFO named like a model: opening it for reading blocks until a writer comes, and none will. */
function stuckModel(name: string): string {
  const path = join(tmp, name);
  execFileSync("mkfifo", [path]);
  return path;
}

describe("a model file that would block the load", () => {
  it("train, eval and serve refuse a FIFO model at once (opening it would block the main thread, past any signal)", async () => {
    const model = stuckModel("m.gguf");
    const data = join(tmp, "chat.jsonl");
    writeFileSync(data, `${chatLine("1+1", "2")}\n`);
    const runs = await Promise.all([
      societyCli(["train", "--model", model, "--data", data, "--out", join(tmp, "out.gguf")], { timeoutMs: 90_000 }),
      societyCli(
        ["eval", "--model", model, "--task", "arithmetic", "--limit", "1", "--db", join(tmp, "e.db"), "--out-dir", join(tmp, "e")],
        { timeoutMs: 90_000 },
      ),
      societyCli(["serve", "--port", "0", "--model", model, "--data-dir", join(tmp, "serve")], { timeoutMs: 90_000 }),
    ]);
    for (const r of runs) {
      expect(r.timedOut, r.out).toBe(false);
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(/m\.gguf: is a FIFO, not a GGUF file/);
    }
  }, 180_000);
});

/** The fixture command in a child process: resolves with how long it lived after `sig` and how it ended. */
async function signalStuck(
  mode: "graceful" | "plain",
  signals: NodeJS.Signals[],
): Promise<{ ms: number; signal: NodeJS.Signals | null; code: number | null; out: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "fixtures/stuck-command.ts"), mode], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const ready = new Promise<void>((done) => child.stdout.on("data", (d) => ((out += d), out.includes("ready") && done())));
  child.stderr.on("data", (d) => (out += d));
  const ended = new Promise<{ signal: NodeJS.Signals | null; code: number | null }>((done) =>
    child.on("exit", (code, signal) => done({ code, signal })),
  );
  await ready;
  const sent = Date.now();
  for (const [i, sig] of signals.entries()) {
    if (i > 0) await new Promise((r) => setTimeout(r, 300));
    child.kill(sig);
  }
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const end = await ended;
  clearTimeout(killer);
  return { ms: Date.now() - sent, ...end, out };
}

describe("SIGINT / SIGTERM while the work is stuck", () => {
  it("a command that stops cleanly (train, serve) is aborted, then forced out after the grace period", async () => {
    const r = await signalStuck("graceful", ["SIGTERM"]);
    expect(r.out).toMatch(/aborted/);
    expect(r.out).toMatch(/SIGTERM: stopping \(forced in 3 s, or at a second signal\)/);
    expect(r.signal, r.out).toBe("SIGTERM");
    expect(r.ms).toBeGreaterThanOrEqual(GRACE_MS - 100);
    expect(r.ms).toBeLessThan(GRACE_MS + 5000);
  }, 60_000);

  it("a second signal forces it out at once", async () => {
    const r = await signalStuck("graceful", ["SIGINT", "SIGINT"]);
    expect(r.signal, r.out).toBe("SIGINT");
    expect(r.ms).toBeLessThan(GRACE_MS);
  }, 60_000);

  it("a command that did not ask to stop cleanly dies at once, even with other listeners installed", async () => {
    const r = await signalStuck("plain", ["SIGTERM"]);
    expect(r.signal, r.out).toBe("SIGTERM");
    expect(r.ms).toBeLessThan(GRACE_MS);
  }, 60_000);
});
