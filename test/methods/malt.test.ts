/**
 * The MALT methods' logic, fast: a real SQLite store and the real loop, with a scripted backend (text
 * fixed by seed and prompt) and a recording trainer. What the trainer is asked is the point: which role
 * trains on what, SFT before DPO from the SFT weights, reference log-probs computed once (with those
 * weights) and stored with the pairs, no DPO in the ablation, and nothing redone on resume. The real
 * model and trainer run the same methods in malt.model.test.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Backend, ChatMessage, GenerateOptions } from "../../src/backends/types.js";
import { parseConfig } from "../../src/config/load.js";
import { executeRun } from "../../src/run/execute.js";
import { openStore } from "../../src/store/index.js";
import type { ReferenceLogprobsRequest, TrainRequest, Trainer } from "../../src/training/types.js";

const dir = mkdtempSync(join(tmpdir(), "malt-method-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Right about half the time: the reply's answer depends on the seed and prompt. */
const backend: Backend = {
  async generate(_m, chat: ChatMessage[], o: GenerateOptions) {
    const q = /What is ([^?]+)\?/.exec(chat.at(-1)!.content)?.[1] ?? "0";
    const right = Function(`return (${q})`)() as number;
    const answer = (o.seed % 2 === 0 ? right : right + 1 + (o.seed % 3));
    return { text: `work ${o.seed % 100} \\boxed{${answer}}`, promptTokens: 9, completionTokens: 4, latencyMs: 1, finishReason: "stop" };
  },
  async score() { return { logprob: -1, tokens: 1 }; },
  async close() {},
};

function recordingTrainer() {
  const train: TrainRequest[] = [];
  const refs: ReferenceLogprobsRequest[] = [];
  const t: Trainer = {
    async train(req) {
      train.push(req);
      const n = req.objective?.kind === "dpo" ? req.pairs!.length : req.examples!.length;
      return { outPath: req.outPath, sha256: `sha-${train.length}`, mode: req.mode, lossCurve: [{ step: 1, loss: 1 / n }], trainTokens: n, tokensPerSecond: 1, seconds: 0, steps: 1, stoppedEarly: false, warnings: [] };
    },
    async referenceLogprobs(req) {
      refs.push(req);
      return req.pairs.map((_, i) => ({ chosen: -i - 1, rejected: -i - 2 }));
    },
  };
  return { t, train, refs };
}

const CONFIG = `
name: malt-fake
seed: 2
task: { name: arithmetic, options: { maxValue: 3 }, train: { limit: 8 }, test: { limit: 5 } }
model: { base: fake.gguf }
methods: [malt, malt-sft-only]
iterations: 2
malt: { branching: 2, chains: 3, dpo: { beta: 0.3, lr: 0.0005 } }
debate: { max_tokens: 16 }
training: { val_fraction: 0 }
metrics: { nll_samples: 0 }
`;

describe("MALT methods (scripted backend, recording trainer)", () => {
  it("train each role on its own data: G SFT; V and R SFT then DPO from the SFT weights, with stored reference log-probs", async () => {
    const store = await openStore(join(dir, "a.db"));
    const rec = recordingTrainer();
    const config = parseConfig(CONFIG);
    const run = await executeRun({ config, seed: 2, store, outDir: dir, base: { base: "fake.gguf" }, backend, trainer: rec.t, log: () => {} });

    const malt = rec.train.filter((r) => r.outPath.includes("/malt/"));
    const sftOnly = rec.train.filter((r) => r.outPath.includes("/malt-sft-only/"));
    expect(sftOnly.every((r) => (r.objective?.kind ?? "sft") === "sft")).toBe(true);
    const dpo = malt.filter((r) => r.objective?.kind === "dpo");
    expect(dpo.length).toBeGreaterThan(0);
    for (const r of dpo) {
      expect(r.objective).toEqual({ kind: "dpo", beta: 0.3 });
      expect(r.optim?.lr).toBe(0.0005);
      expect(r.outPath).toMatch(/(verifier|refiner)0-it\d\.gguf$/);
      // DPO continues the SFT stage of the same iteration, which is also the reference.
      const sft = r.outPath.replace(/\.gguf$/, "-sft.gguf");
      expect(r.initAdapterPath).toBe(sft);
      const ref = rec.refs.find((x) => x.adapterPath === sft)!;
      expect(ref.pairs).toHaveLength(r.pairs!.length);
      expect(r.pairs!.map((p) => [p.refChosenLogp, p.refRejectedLogp])).toEqual(r.pairs!.map((_, i) => [-i - 1, -i - 2]));
      for (const p of r.pairs!) {
        expect(p.chosen[0]!.content).not.toBe(p.rejected[0]!.content);
        expect(p.prompt.map((m) => m.role)).toEqual(["user", "assistant", "user"]); // the generator's exchange, then the role's request
      }
    }
    expect(malt.some((r) => r.outPath.endsWith("generator0-it1.gguf") && r.objective === undefined)).toBe(true);
    expect(malt.some((r) => /generator0-it\d(-sft)?\.gguf$/.test(r.outPath) && r.objective?.kind === "dpo")).toBe(false);

    // The pairs are stored as a preference dataset with their reference log-probs.
    const sets = await store.datasets.list({ runId: run.runId, method: "malt" });
    const pairSets = sets.filter((d) => d.format === "preference");
    expect(pairSets.length).toBeGreaterThan(0);
    const rows = await store.datasets.rows(pairSets.find((d) => d.rowCount > 0)!.id);
    expect(rows[0]).toMatchObject({ refChosenLogp: -1, refRejectedLogp: -2 });
    expect(rows[0]!.chosen![0]!.role).toBe("assistant");

    // Iteration 0 (trees and evaluation of the untrained agents) is stored once for both methods.
    const units = await store.debates.list({ runId: run.runId, iteration: 0 });
    expect(new Set(units.map((u) => u.method))).toEqual(new Set(["malt-base"]));
    expect(units.filter((u) => u.phase === "train")).toHaveLength(8);
    const metrics = await store.metrics.list({ runId: run.runId, scope: "run" });
    const at = (method: string, name: string, iteration: number) => metrics.find((m) => m.method === method && m.name === name && m.iteration === iteration)?.value;
    expect(at("malt", "accuracy", 0)).toBe(at("malt-sft-only", "accuracy", 0));
    expect(at("malt", "tree_leaves", 1)).toBe(8 * 8);
    expect(at("malt", "tree_pairs_verifier", 1)).toBe(at("malt-sft-only", "tree_pairs_verifier", 1)); // same trees at iteration 1
    expect(at("malt", "tree_correct_leaf_share", 2)).toBeGreaterThan(0);
    for (const m of ["malt", "malt-sft-only"]) for (const l of [0, 1, 2]) expect(at(m, "accuracy", l), `${m} it${l}`).toBeTypeOf("number");

    // Resume (the same command again): nothing is generated, trained or scored twice.
    const before = { train: rec.train.length, refs: rec.refs.length };
    let generated = 0;
    const counting: Backend = { ...backend, generate: (...a) => { generated++; return backend.generate(...a); } };
    await executeRun({ config, seed: 2, store, outDir: dir, base: { base: "fake.gguf" }, backend: counting, trainer: rec.t, log: () => {} });
    expect(generated).toBe(0);
    expect({ train: rec.train.length, refs: rec.refs.length }).toEqual(before);
    await store.close();
  });

  it("a run killed after the SFT stage resumes at DPO with the SFT weights, computing reference log-probs once", async () => {
    const store = await openStore(join(dir, "b.db"));
    const config = parseConfig(CONFIG.replace("methods: [malt, malt-sft-only]", "methods: [malt]").replace("iterations: 2", "iterations: 1"));
    const rec = recordingTrainer();
    let dpoCalls = 0;
    const dying: Trainer = {
      ...rec.t,
      async train(req) {
        if (req.objective?.kind === "dpo" && dpoCalls++ === 0) throw new Error("killed during DPO");
        return rec.t.train(req);
      },
    };
    await expect(executeRun({ config, seed: 2, store, outDir: dir, base: { base: "fake.gguf" }, backend, trainer: dying, log: () => {} })).rejects.toThrow("killed during DPO");
    expect(rec.refs).toHaveLength(1);
    await executeRun({ config, seed: 2, store, outDir: dir, base: { base: "fake.gguf" }, backend, trainer: dying, log: () => {} });
    // The stage that had finished is not redone; the reference log-probs were stored with the pairs.
    expect(rec.train.filter((r) => r.outPath.endsWith("verifier0-it1-sft.gguf"))).toHaveLength(1);
    expect(rec.refs.filter((r) => r.adapterPath?.endsWith("verifier0-it1-sft.gguf"))).toHaveLength(1);
    await store.close();
  });
});
