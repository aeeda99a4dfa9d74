import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Rng } from "../../../src/training/ggml/rng.js";
import { harness } from "../fixtures/harness.js";
import { writeTinyModel } from "../fixtures/tiny-model.js";

const dir = mkdtempSync(join(tmpdir(), "society-opt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function data() {
  const rng = new Rng(9, "opt-data");
  return [8, 11].map((L) => {
    const tokens = [1, ...Array.from({ length: L - 1 }, () => 3 + rng.int(256))];
    return { tokens, lossMask: tokens.map(() => 1) };
  });
}

describe("optimizer step (global-norm clipping + AdamW)", () => {
  it("clips to maxGradNorm, applies decoupled weight decay to matrices only, then zeroes the gradients", async () => {
    const path = join(dir, "m.gguf");
    await writeTinyModel(path, { seed: 5 });
    // First learn the gradient norm, then clip to a quarter of it.
    const probe = harness(path, data(), { T: 12, B: 2, mode: "full" });
    const count = probe.rows.reduce((a, r) => a + r.nTargets, 0);
    await probe.s.accumulate(probe.s.N / count);
    const norm = Math.sqrt(probe.s.params.reduce((a, p) => a + probe.s.read(p.acc, p.numel).reduce((b, x) => b + x * x, 0), 0));
    probe.free();

    const h = harness(path, data(), { T: 12, B: 2, mode: "full", maxGradNorm: norm / 4 });
    try {
      await h.s.accumulate(h.s.N / count);
      const before = h.s.params.map((p) => ({ theta: h.s.read(p.tensor, p.numel), g: h.s.read(p.acc, p.numel) }));
      const lr = 1e-3;
      const wd = 0.1;
      const reported = await h.s.step({ lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: wd, t: 1 });
      expect(reported).toBeCloseTo(norm, 3);
      let checked = 0;
      h.s.params.forEach((p, i) => {
        const m = h.s.read(p.m, p.numel);
        const theta = h.s.read(p.tensor, p.numel);
        const { theta: t0, g } = before[i];
        const decay = p.decay ? wd : 0;
        for (let k = 0; k < p.numel; k += Math.max(1, Math.floor(p.numel / 50))) {
          const gc = g[k] / 4; // clipped gradient
          expect(m[k]).toBeCloseTo(0.1 * gc, 7);
          // first AdamW step: m̂ = g', v̂ = g'², so the update is lr·g'/(|g'| + eps), after decay
          const want = t0[k] * (1 - lr * decay) - (lr * gc) / (Math.abs(gc) + 1e-8);
          expect(theta[k]).toBeCloseTo(want, 6);
          checked++;
        }
        expect(Array.from(h.s.read(p.acc, p.numel)).every((x) => x === 0)).toBe(true);
      });
      expect(h.s.params.some((p) => !p.decay)).toBe(true);
      expect(checked).toBeGreaterThan(200);
    } finally {
      h.free();
    }
  });

  it("the fused graph (backward + AdamW in one run) updates exactly like accumulate() then step()", async () => {
    const path = join(dir, "fused.gguf");
    await writeTinyModel(path, { arch: "qwen2", nHeadKv: 2, seed: 6 });
    const adamw = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05, t: 1 };
    const results = [];
    for (const fused of [false, true]) {
      const h = harness(path, data(), { T: 12, B: 2, mode: "full", maxGradNorm: 0.5 });
      try {
        const count = h.rows.reduce((a, r) => a + r.nTargets, 0);
        let out: { loss: number; norm?: number };
        if (fused) {
          const r = await h.s.accumulateAndStep(h.s.N / count, adamw);
          out = { loss: r.lossSum, norm: r.gradNorm };
        } else {
          const loss = await h.s.accumulate(h.s.N / count);
          out = { loss, norm: await h.s.step(adamw) };
        }
        results.push({ ...out, params: h.s.params.map((p) => h.s.read(p.tensor, p.numel)) });
      } finally {
        h.free();
      }
    }
    const [a, b] = results;
    expect(b.loss).toBe(a.loss);
    expect(b.norm).toBeCloseTo(a.norm!, 5);
    expect(a.norm).toBeGreaterThan(0.5); // clipping was active
    let maxDiff = 0;
    a.params.forEach((x, i) => x.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - b.params[i][k])))));
    expect(maxDiff).toBeLessThan(1e-6);
  });
});
