import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Rng } from "../../../src/training/ggml/rng.js";
import { checkEveryTensor, harness, type Harness } from "../fixtures/harness.js";
import { writeTinyModel } from "../fixtures/tiny-model.js";
import { fillLoraB } from "../../support/lora-b-fill.js";
import { tinyArchitectures } from "../../support/tiny-architectures.js";

const dir = mkdtempSync(join(tmpdir(), "society-grad-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ALL_TARGETS = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down", "output"];

/** Two batch rows, three packed sequences, prompt tokens masked: the shape training really uses. */
function data(seed: number) {
  const rng = new Rng(seed, "gradcheck-data");
  return [7, 9, 12].map((L) => {
    const tokens = [1, ...Array.from({ length: L - 1 }, () => 3 + rng.int(256))];
    return { tokens, lossMask: tokens.map((_, i) => (i > 2 ? 1 : 0)) };
  });
}

/**
 * Analytic gradients (backward graph, accumulated with the loss seed N/targets) against central finite
 * differences of the masked mean loss, per trainable tensor, along a direction mixing the normalised
 * gradient with noise. Relative errors are printed; F32 rounding puts the floor near 1e-4.
 */
async function checkAll(h: Harness, label: string, tol: number): Promise<void> {
  const count = h.rows.reduce((a, r) => a + r.nTargets, 0);
  h.s.zeroGrad();
  await h.s.accumulate(h.s.N / count);
  const errors = await checkEveryTensor(h, label, `gradcheck ${label}`);
  const worst = errors.reduce((m, e) => (e[1] > m[1] ? e : m));
  for (const [name, rel] of errors) expect(rel, name).toBeLessThan(tol);
  expect(worst[1]).toBeLessThan(tol);
}

describe.each(tinyArchitectures(2))("finite-difference gradient check: %s", (label, spec) => {
  const seqs = data(5);
  it("full mode: every weight (embeddings, norms, attn_q/k/v/output, FFN, biases, LM head)", async () => {
    const path = join(dir, `${label.replace(/\W+/g, "_")}.gguf`);
    await writeTinyModel(path, { ...spec, seed: 4 });
    const h = harness(path, seqs, { T: 14, B: 2, mode: "full" });
    try {
      const names = h.s.params.map((p) => p.name);
      const attn = spec.arch === "phi3" ? ["blk.0.attn_qkv.weight", "blk.1.ffn_up.weight"] : ["blk.0.attn_k.weight", "blk.1.attn_v.weight"];
      for (const k of ["token_embd.weight", ...attn, "output_norm.weight", ...(spec.tiedOutput ? [] : ["output.weight"])])
        expect(names).toContain(k);
      if (spec.arch === "gemma2") expect(names).toContain("blk.1.post_ffw_norm.weight");
      if (spec.arch === "qwen2") expect(names).toContain("blk.0.attn_k.bias");
      if (spec.arch === "qwen3") expect(names).toContain("blk.1.attn_k_norm.weight");
      await checkAll(h, `${label}, full`, 3e-3);
    } finally {
      h.free();
    }
  });

  it("LoRA mode: A and B of every target projection", async () => {
    const path = join(dir, `${label.replace(/\W+/g, "_")}-lora.gguf`);
    await writeTinyModel(path, { ...spec, seed: 4 });
    const h = harness(path, seqs, {
      T: 14,
      B: 2,
      mode: "lora",
      lora: { rank: 4, alpha: 8, dropout: 0, targets: spec.tiedOutput ? ALL_TARGETS.filter((t) => t !== "output") : ALL_TARGETS },
    });
    try {
      fillLoraB(h.s, new Rng(3, "lora-b"));
      // Phi-3: attn_q/k/v all address attn_qkv and ffn_gate/ffn_up the fused ffn_up: 4 adapted projections per layer.
      expect(h.s.params).toHaveLength(2 * ((spec.arch === "phi3" ? 4 : 7) * 2 + (spec.tiedOutput ? 0 : 1)));
      await checkAll(h, `${label}, LoRA`, 3e-3);
    } finally {
      h.free();
    }
  });
});

describe("LoRA gradients over a frozen F16 base", () => {
  // F16 matmuls round their activations to F16, which makes finite differences of the loss noisy at any
  // useful step. Instead: the same LoRA gradients on an F32 twin (identical, F16-representable weights),
  // which the F32 checks above validate, must agree up to that rounding.
  it("match those over an F32 copy of the same weights", async () => {
    const f16 = join(dir, "f16.gguf");
    const f32 = join(dir, "f16-as-f32.gguf");
    await writeTinyModel(f16, { arch: "llama", nHeadKv: 2, weightType: "f16", gain: 2, seed: 4 });
    await writeTinyModel(f32, { arch: "llama", nHeadKv: 2, f16Values: true, gain: 2, seed: 4 });
    const lora = { rank: 4, alpha: 8, dropout: 0, targets: ["attn_q", "attn_k", "attn_v", "ffn_down"] };
    const grads = async (path: string) => {
      const h = harness(path, data(6), { T: 14, B: 2, mode: "lora", lora });
      try {
        fillLoraB(h.s, new Rng(4, "lora-b"));
        const count = h.rows.reduce((a, r) => a + r.nTargets, 0);
        await h.s.accumulate(h.s.N / count);
        return h.s.params.map((p) => [p.name, h.s.read(p.acc, p.numel)] as const);
      } finally {
        h.free();
      }
    };
    const a = await grads(f16);
    const b = await grads(f32);
    let worst = 0;
    a.forEach(([name, ga], i) => {
      const gb = b[i][1];
      expect(b[i][0]).toBe(name);
      let diff = 0;
      for (let k = 0; k < ga.length; k++) diff += (ga[k] - gb[k]) ** 2;
      const rel = Math.sqrt(diff) / Math.hypot(...gb);
      worst = Math.max(worst, rel);
      expect(rel, name).toBeLessThan(2e-2);
    });
    console.log(`[gradcheck F16 base] ${a.length} LoRA tensors, worst ‖g_f16 − g_f32‖/‖g_f32‖ = ${worst.toExponential(1)}`);
  });
});
