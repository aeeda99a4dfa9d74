import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatLine, openaiPairLine, trlPairLine, user } from "../support/chat-jsonl-lines.js";
import { writeTinyModel } from "./fixtures/tiny-model.js";

const dir = mkdtempSync(join(tmpdir(), "society-cli-train-"));
const model = join(dir, "m.gguf");
const run = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/society.js", "train", ...args], { encoding: "utf8", timeout: 120_000 });
/** `--name value` for each entry. */
const flags = (o: Record<string, string | number>) => Object.entries(o).flatMap(([k, v]) => [`--${k}`, `${v}`]);
/** A small seeded run on one thread (rank 4, lr 5e-3, 3 epochs) writing `out`. */
const quick = (out: string, batchSize: number) =>
  flags({ out, rank: 4, lr: "5e-3", epochs: 3, "batch-size": batchSize, threads: 1, seed: 1 });

beforeAll(async () => {
  await writeTinyModel(model, { seed: 3 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("society train", () => {
  it("trains a LoRA adapter from chat JSONL and prints the loss curve and the output path", () => {
    const data = join(dir, "chat.jsonl");
    writeFileSync(data, [chatLine("a", "ok"), chatLine("b", "ok"), "", chatLine("c", "ok")].join("\n"));
    const out = join(dir, "adapter.gguf");
    const r = run("--model", model, "--data", data, ...quick(out, 2));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^loss curve \(step:train\[\/val\]\): 1:\d+\.\d{3} .*6:\d+\.\d{3}$/m);
    expect(r.stdout).toContain(`wrote LoRA adapter ${out} (sha256 `);
    expect(r.stderr).toMatch(/step 6\/6 epoch 3 loss/);
    expect(existsSync(out)).toBe(true);
  });

  it("names the bad line of the JSONL file", () => {
    const data = join(dir, "bad.jsonl");
    writeFileSync(data, `${chatLine("q", "a")}\n{"messages": [}\n`);
    const r = run("--model", model, "--data", data);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.jsonl:2: invalid JSON/);
  });

  it("trains DPO from OpenAI's preference format and from TRL's, printing the reward margin", () => {
    const openai = join(dir, "pairs-openai.jsonl");
    const trl = join(dir, "pairs-trl.jsonl");
    const qs = ["a", "b", "c", "d"];
    writeFileSync(openai, qs.map((q) => openaiPairLine(q, "yes", "no")).join("\n"));
    writeFileSync(trl, qs.map((q) => trlPairLine(q, "yes", "no")).join("\n"));
    const outs = [openai, trl].map((data, i) => {
      const out = join(dir, `dpo-${i}.gguf`);
      const r = run("--model", model, "--data", data, "--objective", "dpo", "--beta", "0.2", ...quick(out, 4));
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/4 preference pairs \(β 0\.2\)/);
      expect(r.stdout).toMatch(/^loss curve \(step:train\[\/val\]\): 1:0\.693 .* 6:\d+\.\d{3}$/m);
      expect(r.stdout).toMatch(/^rewards \(last step\): margin \d+\.\d{3} acc \d+%$/m);
      expect(r.stdout).toContain(`wrote LoRA adapter ${out} (sha256 `);
      return /sha256 ([0-9a-f]{64})/.exec(r.stdout)![1];
    });
    // The two formats hold the same pairs: the same adapter, byte for byte.
    expect(outs[0]).toBe(outs[1]);
  });

  it("names the bad line of a preference file and refuses --beta without dpo", () => {
    const data = join(dir, "bad-pairs.jsonl");
    writeFileSync(data, `${trlPairLine("q", "a", "b")}\n${JSON.stringify({ prompt: [user("q")], chosen: "a", rejected: "b" })}\n`);
    const r = run("--model", model, "--data", data, "--objective", "dpo");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad-pairs\.jsonl:2: TRL's plain-text format is not supported/);
    const b = run("--model", model, "--data", data, "--beta", "0.2");
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/--beta applies to --objective dpo only/);
  });

  it("refuses a LoRA rank above the model's width, naming the narrowest projection, and writes nothing", () => {
    const data = join(dir, "rank.jsonl");
    writeFileSync(data, `${chatLine("q", "a")}\n`);
    const out = join(dir, "rank.gguf");
    // attn_k of this model is 64 × 32 (2 of 4 heads for keys and values).
    const r = run("--model", model, "--data", data, "--out", out, "--rank", "33", "--threads", "1");
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^society: train: LoRA rank 33 exceeds the width of blk\.0\.attn_k\.weight \(64 × 32\): at most 32$/m);
    expect(existsSync(out)).toBe(false);
  });
});
