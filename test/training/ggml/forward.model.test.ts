import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Rng } from "../../../src/training/ggml/rng.js";
import { harness, llamaCppLogits, loadLlamaModel } from "../fixtures/harness.js";
import { writeTinyModel, type TinyModelSpec } from "../fixtures/tiny-model.js";
import { tinyArchitectures } from "../../support/tiny-architectures.js";

const dir = mkdtempSync(join(tmpdir(), "society-fwd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Our logits and llama.cpp's (node-llama-cpp, F32 KV cache, flash attention off) at every position of two
 * batch rows, the first holding two packed sequences, so position resets, the block-causal mask and the batch
 * layout are all compared. Each array: one Float32Array of V logits per compared position.
 */
async function bothLogits(path: string, mode: "full" | "lora"): Promise<{ ours: Float32Array[]; ref: Float32Array[] }> {
  const rng = new Rng(42, "forward-test");
  const randomSeq = (n: number) => [1, ...Array.from({ length: n - 1 }, () => 3 + rng.int(257))];
  const seqs = [randomSeq(9), randomSeq(6), randomSeq(14)];
  const T = 16;
  const h = harness(
    path,
    seqs.map((tokens) => ({ tokens, lossMask: tokens.map(() => 1) })),
    {
      T,
      B: 2,
      mode,
      lora: { rank: 4, alpha: 8, dropout: 0, targets: ["attn_q", "attn_v", "ffn_down"] },
    },
  );
  const model = await loadLlamaModel(path);
  try {
    const all = await h.s.logits();
    const V = h.w.hp.nVocab;
    const ours: Float32Array[] = [];
    const ref: Float32Array[] = [];
    for (let b = 0; b < 2; b++) {
      const row = h.rows[b];
      // each packed sequence: its tokens are the row inputs of its segment (plus its last token, a target)
      for (let seg = 0; seg <= Math.max(...row.seg); seg++) {
        const at = Array.from(row.seg).flatMap((s, i) => (s === seg ? [i] : []));
        const theirs = await llamaCppLogits(
          model,
          at.map((i) => row.tokens[i]),
        );
        at.forEach((i, k) => {
          ours.push(all.slice((b * T + i) * V, (b * T + i + 1) * V));
          ref.push(theirs[k]);
        });
      }
    }
    expect(ours).toHaveLength(9 + 6 + 14 - 3);
    return { ours, ref };
  } finally {
    await model.dispose();
    h.free();
  }
}

function diff(a: Float32Array[], b: Float32Array[]): { max: number; rms: number; scale: number } {
  let max = 0;
  let sq = 0;
  let n = 0;
  let scale = 0;
  a.forEach((row, i) =>
    row.forEach((v, j) => {
      const d = Math.abs(v - b[i][j]);
      max = Math.max(max, d);
      sq += d * d;
      n++;
      scale = Math.max(scale, Math.abs(b[i][j]));
    }),
  );
  return { max, rms: Math.sqrt(sq / n), scale };
}

describe.each<[string, TinyModelSpec]>([
  ...tinyArchitectures(3),
  // The F16 model's architecture (tied output, MQA, rope base 5e5) at F32 precision: its F32 twin.
  [
    "llama, tied output, MQA, rope base 5e5 (F32 twin of the F16 model below)",
    { arch: "llama", nHeadKv: 1, f16Values: true, tiedOutput: true, ropeBase: 500000, gain: 3 },
  ],
])("forward logits equal llama.cpp's: %s", (label, spec) => {
  it("max |Δlogit| over all positions is tiny", async () => {
    const path = join(dir, `${label.replace(/\W+/g, "_")}.gguf`);
    await writeTinyModel(path, { ...spec, seed: 9 });
    const d = diff(...(Object.values(await bothLogits(path, "full")) as [Float32Array[], Float32Array[]]));
    console.log(`[forward ${label}] max |Δlogit| = ${d.max.toExponential(2)} (max |logit| ${d.scale.toFixed(2)})`);
    expect(d.scale).toBeGreaterThan(1);
    // Gemma 2's GELU: llama.cpp's CPU kernel reads an F16 table (GGML_GELU_FP16), ours is the exact tanh form
    // built from differentiable ops (ggml has no GELU backward). Measured: 1.7e-3 with ours, 2.0e-5 with ggml's
    // own GELU in its place; a wrong norm, cap or scale moves logits by 1e-1 or more.
    expect(d.max).toBeLessThan(spec.arch === "gemma2" ? 5e-3 : 2e-4);
  });
});

/**
 * A frozen F16 base (LoRA mode, B = 0): the matmuls run on F16 weights. Two F16 implementations do not agree
 * to better than F16 rounding, and where they round differs: ggml's CPU path converts the activations to F16
 * before F16×F16 dot products (ours), while llama.cpp on an AMX CPU (e.g. Sapphire Rapids) keeps the F16
 * weights in its AMX buffer type, whose kernel multiplies F32 activations by the F16 weights widened to F32
 * (for matmuls with a multiple of 32 outputs; the others fall back to the CPU path). So both are compared
 * against the exact logits of the same weights (the F32 twin, held to 2e-4 against llama.cpp above): ours
 * must be as close to them as llama.cpp's own F16 inference is, within a factor of 2 (measured 1.2–1.8 on an
 * AMX CPU, ~1 without AMX), and the F16 error itself small against the logit scale.
 */
describe("forward logits over a frozen F16 base (tied output, MQA, rope base 5e5)", () => {
  it("deviate from the exact F32 result no more than llama.cpp's own F16 inference does", async () => {
    const spec: TinyModelSpec = { arch: "llama", nHeadKv: 1, tiedOutput: true, ropeBase: 500000, gain: 3, seed: 9 };
    const f16 = join(dir, "f16.gguf");
    const twin = join(dir, "f16-as-f32.gguf");
    await writeTinyModel(f16, { ...spec, weightType: "f16" });
    await writeTinyModel(twin, { ...spec, f16Values: true });
    const half = await bothLogits(f16, "lora");
    const exact = (await bothLogits(twin, "full")).ours;
    const ours = diff(half.ours, exact);
    const llama = diff(half.ref, exact);
    const between = diff(half.ours, half.ref);
    console.log(
      `[forward F16] vs the exact F32 logits (max |logit| ${ours.scale.toFixed(2)}): ours RMS ${ours.rms.toExponential(2)} max ${ours.max.toExponential(2)}, ` +
        `llama.cpp RMS ${llama.rms.toExponential(2)} max ${llama.max.toExponential(2)}; ours vs llama.cpp max ${between.max.toExponential(2)}`,
    );
    expect(ours.rms).toBeGreaterThan(0); // the base really runs in F16, not widened to F32
    expect(ours.rms).toBeLessThan(2 * llama.rms);
    expect(ours.rms).toBeLessThan(1e-3 * ours.scale);
  });
});
