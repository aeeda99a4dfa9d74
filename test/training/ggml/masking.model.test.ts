import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../../src/training/ggml/rng.js";
import { harness, type Harness } from "../fixtures/harness.js";
import { writeTinyModel } from "../fixtures/tiny-model.js";

const dir = mkdtempSync(join(tmpdir(), "society-mask-"));
let h: Harness;
const T = 16;

beforeAll(async () => {
  const path = join(dir, "m.gguf");
  await writeTinyModel(path, { arch: "qwen2", nHeadKv: 2, gain: 2, seed: 8 });
  const rng = new Rng(1, "mask-data");
  // "prompt" = first 4 tokens (mask 0), "answer" = the rest (mask 1)
  const seqs = [10, 7, 13].map((L) => {
    const tokens = [1, ...Array.from({ length: L - 1 }, () => 3 + rng.int(256))];
    return { tokens, lossMask: tokens.map((_, i) => (i >= 4 ? 1 : 0)) };
  });
  h = harness(path, seqs, { T, B: 2, mode: "full" });
});
afterAll(() => {
  h?.free();
  rmSync(dir, { recursive: true, force: true });
});

async function lossAndGrads(): Promise<{ loss: number; grads: Float32Array[] }> {
  const count = h.rows.reduce((a, r) => a + r.nTargets, 0);
  h.s.zeroGrad();
  const sum = await h.s.accumulate(h.s.N / count);
  return { loss: sum / count, grads: h.s.params.map((p) => h.s.read(p.acc, p.numel)) };
}

describe("loss masking", () => {
  it("the loss is the mean cross-entropy over the trained (answer) positions only", async () => {
    const logits = await h.s.logits();
    const V = h.w.hp.nVocab;
    let sum = 0;
    let n = 0;
    h.rows.forEach((r, b) => {
      for (let t = 0; t < T; t++) {
        if (!r.loss[t]) continue;
        const row = logits.subarray((b * T + t) * V, (b * T + t + 1) * V);
        const max = Math.max(...row);
        const lse = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
        sum += lse - row[r.target[t]];
        n++;
      }
    });
    expect(n).toBe(6 + 3 + 9);
    const { loss } = await lossAndGrads();
    console.log(`[masking] loss ${loss.toFixed(6)} vs reference ${(sum / n).toFixed(6)} over ${n} answer tokens`);
    expect(Math.abs(loss - sum / n)).toBeLessThan(1e-5);
  });

  it("changing the labels of prompt positions changes neither the loss nor any gradient", async () => {
    const before = await lossAndGrads();
    const saved = h.rows.map((r) => r.target.slice());
    const rng = new Rng(2, "relabel");
    let changed = 0;
    for (const r of h.rows) {
      for (let t = 0; t < T; t++) {
        if (r.target[t] >= 0 && !r.loss[t]) {
          r.target[t] = 3 + rng.int(256);
          changed++;
        }
      }
    }
    expect(changed).toBeGreaterThan(5);
    h.s.setBatch(h.rows);
    const after = await lossAndGrads();
    expect(after.loss).toBe(before.loss);
    after.grads.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(before.grads[i])));

    // …whereas relabelling one trained position does change them.
    const r0 = h.rows[0];
    const t = r0.loss.indexOf(1);
    r0.target[t] = r0.target[t] === 3 ? 4 : 3;
    h.s.setBatch(h.rows);
    const moved = await lossAndGrads();
    expect(moved.loss).not.toBe(before.loss);
    h.rows.forEach((r, i) => r.target.set(saved[i]));
    h.s.setBatch(h.rows);
  });
});
