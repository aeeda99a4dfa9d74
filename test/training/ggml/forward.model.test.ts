import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Rng } from "../../../src/training/ggml/rng.js";
import { harness, llamaCppLogits, loadLlamaModel } from "../fixtures/harness.js";
import { writeTinyModel, type TinyModelSpec } from "../fixtures/tiny-model.js";

const dir = mkdtempSync(join(tmpdir(), "society-fwd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


/**
 * Our full-sequence graph against llama.cpp's (node-llama-cpp, F32 KV cache, flash attention off): every
 * position of two batch rows, the first holding two packed sequences, so position resets, the block-causal
 * mask and the batch layout are all compared.
 */
describe.each<[string, TinyModelSpec, "full" | "lora"]>([
  ["llama, GQA 4/2 heads, F32", { arch: "llama", nHeadKv: 2, gain: 3 }, "full"],
  ["qwen2 (q/k/v biases, NEOX RoPE), GQA 4/2", { arch: "qwen2", nHeadKv: 2, gain: 3 }, "full"],
  ["qwen3 (per-head q/k RMSNorm), GQA 4/2", { arch: "qwen3", nHeadKv: 2, gain: 3 }, "full"],
  // Frozen F16 base (LoRA mode, B = 0): F16 matmuls like llama.cpp's, but ggml picks its kernel by batch
  // size (we run 2×16 tokens, llama.cpp one sequence), so activation rounding differs at the F16 level.
  // (Full mode widens the weights to F32 and differs from llama.cpp's F16 inference by ~2e-2 here.)
  ["llama, F16 frozen base, tied output, MQA, rope base 5e5", { arch: "llama", nHeadKv: 1, weightType: "f16", tiedOutput: true, ropeBase: 500000, gain: 3 }, "lora"],
])("forward logits equal llama.cpp's: %s", (label, spec, mode) => {
  it("max |Δlogit| over all positions is tiny", async () => {
    const path = join(dir, `${label.replace(/\W+/g, "_")}.gguf`);
    await writeTinyModel(path, { ...spec, seed: 9 });
    const rng = new Rng(42, "forward-test");
    const randomSeq = (n: number) => [1, ...Array.from({ length: n - 1 }, () => 3 + rng.int(257))];
    const seqs = [randomSeq(9), randomSeq(6), randomSeq(14)];
    const T = 16;
    const h = harness(path, seqs.map((tokens) => ({ tokens, lossMask: tokens.map(() => 1) })), {
      T, B: 2, mode, lora: { rank: 4, alpha: 8, dropout: 0, targets: ["attn_q", "attn_v", "ffn_down"] },
    });
    const model = await loadLlamaModel(path);
    try {
      const ours = await h.s.logits();
      const V = h.w.hp.nVocab;
      let maxDiff = 0;
      let maxAbs = 0;
      let compared = 0;
      for (let b = 0; b < 2; b++) {
        const row = h.rows[b];
        // each packed sequence: its tokens are the row inputs of its segment (plus its last token, a target)
        for (let seg = 0; seg <= Math.max(...row.seg); seg++) {
          const at = Array.from(row.seg).flatMap((s, i) => (s === seg ? [i] : []));
          const tokens = at.map((i) => row.tokens[i]);
          const ref = await llamaCppLogits(model, tokens);
          at.forEach((i, k) => {
            for (let v = 0; v < V; v++) {
              maxDiff = Math.max(maxDiff, Math.abs(ours[(b * T + i) * V + v] - ref[k][v]));
              maxAbs = Math.max(maxAbs, Math.abs(ref[k][v]));
            }
            compared++;
          });
        }
      }
      console.log(`[forward ${label}] ${compared} positions, max |Δlogit| = ${maxDiff.toExponential(2)} (max |logit| ${maxAbs.toFixed(2)})`);
      expect(compared).toBe(9 + 6 + 14 - 3);
      expect(maxAbs).toBeGreaterThan(1);
      expect(maxDiff).toBeLessThan(spec.weightType === "f16" ? 1e-2 : 2e-4);
    } finally {
      await model.dispose();
      h.free();
    }
  });
});
