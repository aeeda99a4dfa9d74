/**
 * The objective seam holds what MAGDi needs: a head that owns a trainable tensor and reads mean-pooled last
 * hidden states over spans (spanMeans). This test head is a margin ranking over a linear scorer of pooled
 * states — softplus(−(s·pool(span 0) − s·pool(span 1))) — gradient-checked through the pooling into the
 * model, and its scorer is optimized with the model's tensors yet never written to the adapter.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { microBatches, packRows } from "../../../../src/training/ggml/data/rows.js";
import { GGML_TYPE } from "../../../../src/training/ggml/ffi/index.js";
import { openGguf } from "../../../../src/training/ggml/gguf/read.js";
import { spanMeans } from "../../../../src/training/ggml/model/graph.js";
import type { HeadSetup, LossHead, MicroBatch } from "../../../../src/training/ggml/objectives/objective.js";
import { Rng } from "../../../../src/training/ggml/rng.js";
import { saveLoraAdapter } from "../../../../src/training/ggml/save.js";
import { TrainSession } from "../../../../src/training/ggml/session.js";
import { directionalCheck, openTrainable, type Harness } from "../../fixtures/harness.js";

const dir = mkdtempSync(join(tmpdir(), "society-head-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Span s of the batch = packed sequence s of row 0; the payload is unused (the spans are the segments). */
function rankingHead(setup: HeadSetup): LossHead<null> {
  const { g, N, T, nEmbd } = setup;
  const c = g.core;
  const pool = setup.input("pool", GGML_TYPE.F32, [N, 2]);
  const rng = new Rng(5, "scorer");
  const scorer = setup.param(
    "scorer",
    [nEmbd, 1],
    Float32Array.from({ length: nEmbd }, () => rng.uniform(-1, 1)),
  );
  return {
    lossScale: 1,
    build(ctx, fwd) {
      const pooled = spanMeans(g, ctx, fwd.hidden, pool); // [nEmbd, 2]
      const scores = c.mul_mat(ctx, scorer, pooled); // [1, 2]
      const first = c.view_1d(ctx, scores, 1, 0);
      const second = c.view_1d(ctx, scores, 1, 4);
      return {
        loss: c.sum(ctx, c.softplus(ctx, c.scale(ctx, c.sub(ctx, first, second), -1))),
        outputs: { scores, pooled, hidden: fwd.hidden },
      };
    },
    upload(mb) {
      const w = new Float32Array(N * 2);
      const row = mb.rows[0]!;
      for (const s of [0, 1]) {
        const at = Array.from(row.seg).flatMap((x, q) => (x === s ? [q] : []));
        for (const q of at) w[s * N + q] = 1 / at.length;
      }
      g.backend.tensor_set(pool, w, 0, w.length * 4);
      void T;
    },
  };
}

describe("a head with its own parameters over pooled hidden states", () => {
  it.each(["full", "lora"] as const)(
    "%s mode: gradients of the head's and the model's tensors match finite differences; the head's tensor is not saved",
    async (mode) => {
      const path = join(dir, `m-${mode}.gguf`);
      const { g, be, w, lora } = await openTrainable(path, mode);
      const rng = new Rng(9, "spans");
      const seq = (n: number) => ({
        tokens: [1, ...Array.from({ length: n - 1 }, () => 3 + rng.int(256))],
        lossMask: Array.from({ length: n }, () => 1),
      });
      const { rows } = packRows([seq(7), seq(9)], 16, true);
      const [mbRows] = microBatches(rows, 1, 16);
      const mb: MicroBatch<null> = { rows: mbRows!, units: 1, payload: null };
      const s = new TrainSession(g, be, w, lora, { T: 16, B: 1, maxGradNorm: 0, head: rankingHead });
      const h: Harness = { g, be, w, lora, s, rows: mb.rows, units: 1, free: () => {} };
      try {
        s.setMicroBatch(mb);
        if (lora)
          for (const p of s.params)
            if (p.name.endsWith(".lora_b"))
              s.write(
                p.tensor,
                Float32Array.from({ length: p.numel }, () => rng.uniform(-0.3, 0.3)),
              );
        expect(s.params.map((p) => p.name)).toContain("head.scorer");
        // The pooled states are the means of the last hidden states over each span.
        const out = await s.evalOutputs();
        const E = w.hp.nEmbd;
        expect(out.pooled).toHaveLength(2 * E);
        let worstPool = 0;
        for (const sp of [0, 1]) {
          const at = Array.from(mb.rows[0]!.seg).flatMap((x, q) => (x === sp ? [q] : []));
          for (let e = 0; e < E; e++) {
            const mean = at.reduce((a, q) => a + out.hidden![q * E + e]!, 0) / at.length;
            worstPool = Math.max(worstPool, Math.abs(out.pooled![sp * E + e]! - mean));
          }
        }
        expect(worstPool).toBeLessThan(1e-5);
        await s.accumulate(1);
        const worst: Record<string, number> = {};
        const dirRng = new Rng(17, mode);
        for (const p of s.params) {
          if (p.name === "output.weight") continue; // the LM head: this loss does not read the logits
          const grad = s.read(p.acc, p.numel);
          const gn = Math.hypot(...grad);
          expect(gn, p.name).toBeGreaterThan(0);
          const d = Float32Array.from(grad, (x) => x / gn + (0.5 * dirRng.normal()) / Math.sqrt(p.numel));
          const dn = Math.hypot(...d);
          for (let i = 0; i < d.length; i++) d[i]! /= dn;
          const r = await directionalCheck(h, p.name, d, 1e-2);
          const kind = p.name.replace(/^blk\.\d+\./, "blk.N.");
          worst[kind] = Math.max(worst[kind] ?? 0, r.rel);
        }
        console.log(
          `[head params ${mode}] worst relative error: ${Object.entries(worst)
            .map(([k, v]) => `${k} ${v.toExponential(1)}`)
            .join(", ")}`,
        );
        for (const [k, v] of Object.entries(worst)) expect(v, k).toBeLessThan(3e-3);
        if (lora) {
          const out = join(dir, "adapter.gguf");
          await saveLoraAdapter(g, w, lora, out);
          const f = openGguf(out, g);
          expect(f.tensors.map((t) => t.name).every((n) => /\.lora_[ab]$/.test(n))).toBe(true);
          expect(f.tensors).toHaveLength(2 * 2 * 2);
          f.close();
        }
      } finally {
        s.free();
        lora?.free();
        w.free();
        be.free();
      }
    },
  );
});
