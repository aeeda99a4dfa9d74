/**
 * The DPO head (src/training/ggml/objectives/dpo.ts) inside the real graph: its loss and sequence log-probs
 * against the formula computed on the host from the graph's own logits; analytic gradients against finite
 * differences for every parameter kind (full and LoRA, llama/qwen2/qwen3); and β's role.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { DpoPayload, TokenPair } from "../../../../src/training/ggml/objectives/dpo.js";
import type { MicroBatch } from "../../../../src/training/ggml/objectives/objective.js";
import { Rng } from "../../../../src/training/ggml/rng.js";
import { checkEveryTensor, dpoHarness, type Harness } from "../../fixtures/harness.js";
import { writeTinyModel, type TinyModelSpec } from "../../fixtures/tiny-model.js";
import { fillLoraB } from "../../../support/lora-b-fill.js";

const dir = mkdtempSync(join(tmpdir(), "society-dpo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ALL_TARGETS = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down", "output"];

/** Three pairs sharing nothing: a prompt (masked) and two replies of different lengths (trained). */
function pairs(seed: number): TokenPair[] {
  const rng = new Rng(seed, "dpo-pairs");
  const toks = (n: number) => Array.from({ length: n }, () => 3 + rng.int(256));
  return [
    [4, 3, 5],
    [5, 4, 2],
    [3, 6, 4],
  ].map(([lp, lc, lr]) => {
    const prompt = [1, ...toks(lp! - 1)];
    const piece = (reply: number[]) => ({ tokens: [...prompt, ...reply], mask: [...prompt.map(() => 0), ...reply.map(() => 1)] });
    return { chosen: piece(toks(lc!)), rejected: piece(toks(lr!)) };
  });
}

/** Host log-softmax of the graph's logits, summed over each reply's trained positions. */
function hostLogprobs(h: Harness, logits: Float32Array, payload: DpoPayload, T: number): { chosen: number[]; rejected: number[] } {
  const V = h.w.hp.nVocab;
  const seqLogp = (slot: { b: number; seg: number }) => {
    const row = h.rows[slot.b]!;
    let sum = 0;
    for (let q = 0; q < T; q++) {
      if (row.seg[q] !== slot.seg || !row.loss[q]) continue;
      const off = (slot.b * T + q) * V;
      let max = -Infinity;
      for (let v = 0; v < V; v++) max = Math.max(max, logits[off + v]!);
      let z = 0;
      for (let v = 0; v < V; v++) z += Math.exp(logits[off + v]! - max);
      sum += logits[off + row.target[q]!]! - max - Math.log(z);
    }
    return sum;
  };
  return { chosen: payload.chosen.map(seqLogp), rejected: payload.rejected.map(seqLogp) };
}

const softplus = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x)));

/** Sets each pair's reference so that its margin β·m is `offsets[k]` at the current weights. */
async function setRefsAround(h: Harness & { batch: MicroBatch<DpoPayload> }, beta: number, offsets: number[]): Promise<void> {
  const out = await h.s.evalOutputs();
  h.batch.payload.pairs.forEach((p, k) => (p.ref = { chosen: out.chosen![k]! - offsets[k]! / beta, rejected: out.rejected![k]! }));
  h.s.setMicroBatch(h.batch);
}

describe("DPO head", () => {
  it("computes softplus(−β·m) per pair and the replies' log-probs exactly as the host does from the logits", async () => {
    const path = join(dir, "fwd.gguf");
    await writeTinyModel(path, { nHeadKv: 2, gain: 2, seed: 4 });
    const T = 16;
    const beta = 0.7;
    const h = dpoHarness(path, pairs(1), { T, B: 4, mode: "full", beta });
    try {
      const payload = h.batch.payload as DpoPayload;
      payload.pairs.forEach((p, k) => (p.ref = { chosen: -40 - k, rejected: -38 + 2 * k }));
      h.s.setMicroBatch(h.batch);
      const loss = await h.s.evalLoss();
      const out = h.s.outputs();
      const host = hostLogprobs(h, await h.s.logits(), payload, T);
      let want = 0;
      let worst = 0;
      payload.pairs.forEach((p, k) => {
        worst = Math.max(worst, Math.abs(out.chosen![k]! - host.chosen[k]!), Math.abs(out.rejected![k]! - host.rejected[k]!));
        want += softplus(-beta * (host.chosen[k]! - p.ref!.chosen - (host.rejected[k]! - p.ref!.rejected)));
      });
      console.log(
        `[dpo head] 3 pairs: loss ${loss.toFixed(6)} vs host ${want.toFixed(6)}; worst |Δ log π(reply)| ${worst.toExponential(1)}`,
      );
      expect(out.chosen).toHaveLength(3);
      expect(host.chosen.every((x) => x < -5)).toBe(true); // several trained tokens each, none of the prompt's
      expect(worst).toBeLessThan(2e-4);
      expect(Math.abs(loss - want)).toBeLessThan(1e-4);
      // Prompt tokens are masked: the log-prob of a reply is over its own tokens only, the prompt's count for nothing.
      const replyTokens = payload.chosen.map(
        (sl) => Array.from(h.rows[sl.b]!.loss).filter((l, q) => l && h.rows[sl.b]!.seg[q] === sl.seg).length,
      );
      expect(replyTokens).toEqual([3, 4, 6]);
    } finally {
      h.free();
    }
  });

  it("β scales the gradient at the reference exactly, and the implicit rewards with it", async () => {
    const path = join(dir, "beta.gguf");
    await writeTinyModel(path, { nHeadKv: 2, gain: 2, seed: 5 });
    const lora = { rank: 4, alpha: 8, dropout: 0, targets: ["attn_q", "ffn_down"] };
    const at = async (beta: number) => {
      const h = dpoHarness(path, pairs(2), { T: 16, B: 4, mode: "lora", beta, lora });
      try {
        fillLoraB(h.s, new Rng(7, "lora-b"));
        // The reference is the model itself: margins 0, so ∇L = −(β/2)·∇(log π(y_w) − log π(y_l)).
        await setRefsAround(h, beta, [0, 0, 0]);
        const loss = await h.s.accumulate(1 / h.units);
        const grads = h.s.params.map((p) => h.s.read(p.acc, p.numel));
        // Rewards of a fixed policy against a fixed reference: β·(log π − log π_ref).
        h.batch.payload.pairs.forEach((p) => (p.ref = { chosen: p.ref!.chosen + 1.5, rejected: p.ref!.rejected - 0.5 }));
        h.s.setMicroBatch(h.batch);
        await h.s.evalLoss();
        const m = h.s.head.metrics!(h.s.outputs(), h.batch);
        return { loss, grads, m };
      } finally {
        h.free();
      }
    };
    const a = await at(0.1);
    const b = await at(0.5);
    expect(a.loss).toBeCloseTo(3 * Math.LN2, 5);
    let worst = 0;
    let norm = 0;
    a.grads.forEach((ga, i) => {
      for (let j = 0; j < ga.length; j++) {
        worst = Math.max(worst, Math.abs(b.grads[i]![j]! - 5 * ga[j]!));
        norm = Math.max(norm, Math.abs(b.grads[i]![j]!));
      }
    });
    console.log(
      `[dpo β] ‖g(β=0.5) − 5·g(β=0.1)‖∞ / ‖g‖∞ = ${(worst / norm).toExponential(1)}; rewards/margins ${a.m["rewards/margins"]!.toFixed(4)} vs ${b.m["rewards/margins"]!.toFixed(4)}`,
    );
    expect(norm).toBeGreaterThan(0);
    expect(worst / norm).toBeLessThan(1e-5);
    expect(a.m["rewards/chosen"]).toBeCloseTo(3 * 0.1 * -1.5, 5);
    expect(a.m["rewards/margins"]).toBeCloseTo(3 * 0.1 * -2, 5);
    expect(b.m["rewards/margins"]! / a.m["rewards/margins"]!).toBeCloseTo(5, 5);
    expect(a.m["rewards/accuracies"]).toBe(0);
  });
});

/**
 * As the SFT gradient check (../gradcheck.model.test.ts): analytic gradients of the mean DPO loss against
 * Richardson-combined central differences along a direction mixing the normalised gradient with noise.
 * References are set so that the pairs' β·m lie in [−1.5, 1.5] (σ neither saturated nor symmetric).
 */
async function checkAll(h: Harness & { batch: MicroBatch<DpoPayload> }, label: string, beta: number, tol: number): Promise<void> {
  await setRefsAround(h, beta, [-1.5, 0.4, 1.2]);
  h.s.zeroGrad();
  await h.s.accumulate(1 / h.units);
  const errors = await checkEveryTensor(h, label, `dpo gradcheck ${label}`);
  for (const [name, rel] of errors) expect(rel, name).toBeLessThan(tol);
}

describe.each<[string, TinyModelSpec]>([
  ["llama GQA", { arch: "llama", nHeadKv: 2, gain: 2 }],
  ["qwen2 GQA + biases", { arch: "qwen2", nHeadKv: 2, gain: 2 }],
  ["qwen3 GQA + q/k norms", { arch: "qwen3", nHeadKv: 2, gain: 2 }],
])("DPO finite-difference gradient check: %s", (label, spec) => {
  const beta = 0.5;
  it("full mode: every weight", async () => {
    const path = join(dir, `${label.replace(/\W+/g, "_")}.gguf`);
    await writeTinyModel(path, { ...spec, seed: 4 });
    const h = dpoHarness(path, pairs(3), { T: 16, B: 4, mode: "full", beta });
    try {
      const names = h.s.params.map((p) => p.name);
      for (const k of ["token_embd.weight", "blk.0.attn_k.weight", "blk.1.ffn_gate.weight", "output_norm.weight", "output.weight"])
        expect(names).toContain(k);
      if (spec.arch === "qwen2") expect(names).toContain("blk.0.attn_v.bias");
      if (spec.arch === "qwen3") expect(names).toContain("blk.1.attn_q_norm.weight");
      await checkAll(h, `${label}, full`, beta, 3e-3);
    } finally {
      h.free();
    }
  });

  it("LoRA mode: A and B of every target projection", async () => {
    const path = join(dir, `${label.replace(/\W+/g, "_")}-lora.gguf`);
    await writeTinyModel(path, { ...spec, seed: 4 });
    const h = dpoHarness(path, pairs(3), {
      T: 16,
      B: 4,
      mode: "lora",
      beta,
      lora: { rank: 4, alpha: 8, dropout: 0, targets: ALL_TARGETS },
    });
    try {
      fillLoraB(h.s, new Rng(3, "lora-b"));
      expect(h.s.params).toHaveLength(2 * (7 * 2 + 1));
      await checkAll(h, `${label}, LoRA`, beta, 3e-3);
    } finally {
      h.free();
    }
  });
});
