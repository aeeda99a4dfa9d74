import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "./fixtures/tiny-model.js";

const dir = mkdtempSync(join(tmpdir(), "society-cli-train-"));
const model = join(dir, "m.gguf");
const run = (...args: string[]) => spawnSync(process.execPath, ["bin/society.js", "train", ...args], { encoding: "utf8", timeout: 120_000 });

beforeAll(async () => {
  await writeTinyModel(model, { seed: 3 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("society train", () => {
  it("trains a LoRA adapter from chat JSONL and prints the loss curve and the output path", () => {
    const data = join(dir, "chat.jsonl");
    const line = (q: string) => JSON.stringify({ messages: [{ role: "user", content: q }, { role: "assistant", content: "ok" }] });
    writeFileSync(data, [line("a"), line("b"), "", line("c")].join("\n"));
    const out = join(dir, "adapter.gguf");
    const r = run("--model", model, "--data", data, "--out", out, "--rank", "4", "--lr", "5e-3", "--epochs", "3", "--batch-size", "2", "--threads", "1", "--seed", "1");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^loss curve \(step:train\[\/val\]\): 1:\d+\.\d{3} .*6:\d+\.\d{3}$/m);
    expect(r.stdout).toContain(`wrote LoRA adapter ${out} (sha256 `);
    expect(r.stderr).toMatch(/step 6\/6 epoch 3 loss/);
    expect(existsSync(out)).toBe(true);
  });

  it("names the bad line of the JSONL file", () => {
    const data = join(dir, "bad.jsonl");
    writeFileSync(data, `${JSON.stringify({ messages: [{ role: "user", content: "q" }, { role: "assistant", content: "a" }] })}\n{"messages": [}\n`);
    const r = run("--model", model, "--data", data);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.jsonl:2: invalid JSON/);
  });
});
