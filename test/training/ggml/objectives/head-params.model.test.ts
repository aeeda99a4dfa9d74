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
import { formatErrors, gradientErrors, headHarness } from "../../../support/head-harness.js";
import { fillLoraB } from "../../../support/lora-b-fill.js";

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
      const rng = new Rng(9, "spans");
      const seq = (n: number) => ({
        tokens: [1, ...Array.from({ length: n - 1 }, () => 3 + rng.int(256))],
        lossMask: Array.from({ length: n }, () => 1),
      });
      const { rows } = packRows([seq(7), seq(9)], 16, true);
      const [mbRows] = microBatches(rows, 1, 16);
      const mb: MicroBatch<null> = { rows: mbRows!, units: 1, payload: null };
      const h = await headHarness(join(dir, `m-${mode}.gguf`), mode, rankingHead, mb, { T: 16, B: 1 });
      const { g, w, lora, s } = h;
      try {
        fillLoraB(s, rng);
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
        // Not the LM head: this loss does not read the logits.
        const worst = await gradientErrors(h, { pick: (n) => n !== "output.weight", eps: 1e-2, dirRng: new Rng(17, mode) });
        console.log(`[head params ${mode}] worst relative error: ${formatErrors(worst)}`);
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
        h.free();
      }
    },
  );
});
