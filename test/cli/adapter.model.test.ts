import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { openGguf } from "../../src/training/ggml/gguf/read.js";
import { trainGgml } from "../../src/training/ggml/index.js";
import { writeTinyModel } from "../training/fixtures/tiny-model.js";

const dir = mkdtempSync(join(tmpdir(), "society-cli-adapter-"));
const base = join(dir, "base.gguf");
const adapter = join(dir, "agent.gguf");
const db = join(dir, "society.db");
const society = (...args: string[]) => spawnSync(process.execPath, ["bin/society.js", ...args], { encoding: "utf8", timeout: 120_000 });
const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

beforeAll(async () => {
  await writeTinyModel(base, { seed: 7 });
  const sequences = [{ tokens: [1, 50, 60, 70, 80, 90, 100, 2], lossMask: [0, 1, 1, 1, 1, 1, 1, 1] }];
  await trainGgml({
    baseModelPath: base,
    sequences,
    mode: "lora",
    outPath: adapter,
    seed: 1,
    threads: 1,
    lora: { rank: 2 },
    optim: { lr: 1e-2, maxSteps: 2 },
  });
  // A run as `society run` leaves it: generator0 starts from the base and has a LoRA version after iteration 1.
  const store = await openStore(db);
  const run = await store.runs.create({ id: "r-s1-00000000", name: "r", methods: ["multiagent-ft"], config: {}, seed: 1 });
  const agent = await store.agents.getOrCreate({ runId: run.id, method: "multiagent-ft", role: "generator", agentIndex: 0 });
  const v0 = await store.modelVersions.insert({ agentId: agent.id, iteration: 0, kind: "base", path: base });
  await store.modelVersions.insert({ agentId: agent.id, iteration: 1, kind: "lora", path: adapter, parentId: v0.id });
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("society adapter", () => {
  it("exports PEFT and imports it back to the same GGUF", () => {
    const peft = join(dir, "peft");
    const e = society("adapter", "export", adapter, "--model", base, "--out", peft);
    expect(e.status, e.stderr).toBe(0);
    expect(e.stdout).toMatch(
      /wrote PEFT adapter \(28 tensors; target_modules q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj\)/,
    );
    expect(existsSync(join(peft, "adapter_model.safetensors")) && existsSync(join(peft, "adapter_config.json"))).toBe(true);
    const back = join(dir, "back.gguf");
    const i = society("adapter", "import", peft, "--model", base, "--out", back);
    expect(i.status, i.stderr).toBe(0);
    expect(i.stdout).toContain(`wrote GGUF LoRA adapter ${back} (14 projections; sha256 ${sha(adapter)})`);
  });

  it("exports a stored run's agent, merged, with its base found in the store", () => {
    const outFile = join(dir, "merged.gguf");
    const r = society(
      "adapter",
      "export",
      "--run",
      "r-s1-00000000",
      "--agent",
      "generator0",
      "--format",
      "merged-gguf",
      "--out",
      outFile,
      "--db",
      db,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote merged model .*merged\.gguf \(14 tensors changed, scale 1; sha256 [0-9a-f]{64}\)/);
    const dirOf = (p: string) => {
      const f = openGguf(p);
      const d = f.tensors.map((t) => `${t.name}:${t.type}:${t.ne}`);
      f.close();
      return d;
    };
    expect(dirOf(outFile)).toEqual(dirOf(base));
  });

  it("exits 1 with a clear message on bad input", () => {
    const cases: [string[], RegExp][] = [
      [["adapter", "export", adapter], /--model: the base GGUF the adapter was trained on is required/],
      [["adapter", "export", "--run", "r-s1-00000000", "--agent", "critic4", "--db", db], /run "r-s1-00000000" has no agent critic4/],
      [["adapter", "export", "--run", "nope", "--agent", "generator0", "--db", db], /no run "nope"/],
      [["adapter", "export", adapter, "--model", adapter], /is a LoRA adapter; give the base model it adapts/],
      [["adapter", "import", dir, "--model", base, "--out", join(dir, "x.gguf")], /adapter_model\.safetensors not found/],
    ];
    for (const [args, re] of cases) {
      const r = society(...args);
      expect(r.status, `${args.join(" ")}\n${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(re);
    }
  }, 300_000); // five CLI start-ups, each up to its 120 s spawn timeout on a loaded machine
});
