/**
 * MAGDi's loss head on a random fixture model: the three terms equal a host (float64) evaluation of the
 * paper's formulas over the graph's own outputs — position-weighted pooling, the 2-layer GCN with Â =
 * D^−½(A+I)D^−½, tanh(MLP) scores with the margin hinge, next-token CE on the correct nodes — and every
 * gradient (the model's, LoRA's, the GCN's and the MLP's) matches finite differences; the heads are never saved.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openGguf } from "../../../../src/training/ggml/gguf/read.js";
import {
  contrastivePairs,
  gcnNormalized,
  magdiHead,
  NODE_CLASS,
  packGraphs,
  type MagdiConfig,
  type TokenGraph,
} from "../../../../src/training/ggml/objectives/magdi.js";
import type { HeadSetup, LossHead } from "../../../../src/training/ggml/objectives/objective.js";
import { Rng } from "../../../../src/training/ggml/rng.js";
import { saveFullModel, saveLoraAdapter } from "../../../../src/training/ggml/save.js";
import type { GraphNodeLabel } from "../../../../src/training/types.js";
import { formatErrors, gradientErrors, headHarness } from "../../../support/head-harness.js";
import { fillLoraB } from "../../../support/lora-b-fill.js";

const dir = mkdtempSync(join(tmpdir(), "society-magdi-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Small GCN so the check is quick; margin 1 and the paper's weights otherwise (β, γ ≠ 1 so scaling is checked).
const CFG: MagdiConfig = { alpha: 1, beta: 0.7, gamma: 0.4, margin: 1, gcnHidden: 12, gcnDropout: 0.5 };

/** Two debates' graphs: 3 agents × 2 rounds (every label but absent), 2 agents × 2 rounds with one absent node. */
function fixtureGraphs(rng: Rng): TokenGraph[] {
  const node = (label: GraphNodeLabel) => {
    const prompt = 3 + rng.int(3);
    const reply = 3 + rng.int(4);
    const tokens = [1, ...Array.from({ length: prompt + reply - 1 }, () => 3 + rng.int(256))];
    // Only correct nodes are next-token targets (their reply); the rest are context for pooling.
    const mask = tokens.map((_, i) => (label === "correct" && i >= prompt ? 1 : 0));
    return { piece: { tokens, mask }, label };
  };
  const edges = (agents: number, rounds: number) => {
    const e: [number, number][] = [];
    for (let r = 0; r < rounds - 1; r++)
      for (let i = 0; i < agents; i++) for (let j = 0; j < agents; j++) e.push([i * rounds + r, j * rounds + r + 1]);
    return e;
  };
  const l1: GraphNodeLabel[] = ["incorrect", "correct", "correct", "correct", "incorrect", "incorrect"];
  const l2: GraphNodeLabel[] = ["correct", "absent", "incorrect", "correct"];
  return [
    { nodes: l1.map(node), edges: edges(3, 2), pairs: contrastivePairs(l1) },
    { nodes: l2.map(node), edges: edges(2, 2), pairs: contrastivePairs(l2) },
  ];
}

/** The head with the last hidden states as one more output (to check the pooling against them). */
const withHidden =
  (make: (s: HeadSetup) => LossHead<any>) =>
  (setup: HeadSetup): LossHead<any> => {
    const h = make(setup);
    return {
      ...h,
      build: (ctx, fwd, t, o) => {
        const b = h.build(ctx, fwd, t, o);
        return { ...b, outputs: { ...b.outputs, hidden: fwd.hidden } };
      },
    };
  };

/** The same model (openTrainable's seed: same weights and LoRA init) with α = 0: only the GCN and the ranking head train it. */
async function headsOnlyErrors(mode: "full" | "lora", graphs: TokenGraph[], T: number, B: number, dims: { M: number; P: number }) {
  const [mb] = packGraphs(graphs, T, B, true);
  const h = await headHarness(join(dir, `m-${mode}-heads.gguf`), mode, magdiHead({ ...CFG, alpha: 0 }, dims, 7), mb!, { T, B });
  try {
    fillLoraB(h.s, new Rng(23, "lora-b"));
    // The LM head is not read without the next-token term. The MLP's output bias moves both scores of a pair
    // alike, so its derivative is tiny (a difference of tanh slopes); the loss is smooth in it (it comes after
    // every ReLU), so a larger step lifts it above float32 noise without crossing a kink.
    const eps = (n: string) => (n === "head.mlp.b2" ? 3e-2 : 2e-3);
    return await gradientErrors(h, { pick: (n) => n !== "output.weight", eps, dirRng: new Rng(19, mode) });
  } finally {
    h.free();
  }
}

describe("MAGDi head", () => {
  it("pairs: the minority side repeats cyclically; no pairs without both sides", () => {
    expect(contrastivePairs(["correct", "incorrect", "incorrect", "incorrect", "absent"])).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
    ]);
    expect(contrastivePairs(["incorrect", "correct", "correct"])).toEqual([
      [1, 0],
      [2, 0],
    ]);
    expect(contrastivePairs(["correct", "absent"])).toEqual([]);
    // Â of a → b with self-loops: deg(a) = 1, deg(b) = 2.
    expect(Array.from(gcnNormalized(2, [[0, 1]]))).toEqual([1, 0, 1 / Math.sqrt(2), 0.5]);
  });

  it.each(["full", "lora"] as const)(
    "%s mode: the terms equal the host formulas and every gradient matches finite differences; GCN and MLP are not saved",
    async (mode) => {
      const rng = new Rng(11, "graphs");
      const graphs = fixtureGraphs(rng);
      const T = 32;
      const B = 4;
      const [mb, ...more] = packGraphs(graphs, T, B, true);
      expect(more).toHaveLength(0);
      expect(mb!.payload).toMatchObject({ nodes: 10, pairs: 3 + 2 });
      const dims = { M: 12, P: 6 }; // larger than the batch: padding nodes and pairs must add nothing
      const h = await headHarness(join(dir, `m-${mode}.gguf`), mode, withHidden(magdiHead(CFG, dims, 7)), mb!, { T, B });
      const { g, w, lora, s } = h;
      try {
        fillLoraB(s, rng);
        const names = s.params.map((p) => p.name);
        for (const n of [
          "head.gcn.w1",
          "head.gcn.b1",
          "head.gcn.w2",
          "head.gcn.b2",
          "head.mlp.w1",
          "head.mlp.b1",
          "head.mlp.w2",
          "head.mlp.b2",
        ])
          expect(names).toContain(n);

        // --- The terms against a float64 host evaluation of the formulas.
        const out = await s.evalOutputs();
        const E = w.hp.nEmbd;
        const M = dims.M;
        const nodes: { label: GraphNodeLabel; at: number[]; pos: number[] }[] = [];
        mb!.payload.graphs.forEach((gr, gi) =>
          gr.nodes.forEach((n, k) => {
            const { b, seg } = mb!.payload.slots[gi]![k]!;
            const at: number[] = [];
            const pos: number[] = [];
            for (let q = 0; q < T; q++)
              if (mb!.rows[b]!.seg[q] === seg) {
                at.push(b * T + q);
                pos.push(mb!.rows[b]!.pos[q]!);
              }
            nodes.push({ label: n.label, at, pos });
          }),
        );
        // Pooling: Σ (p+1)·h_p / Σ (p+1) over the node's positions.
        const X = nodes.map((n) => {
          const z = n.pos.reduce((a, p) => a + p + 1, 0);
          return Array.from({ length: E }, (_, e) => n.at.reduce((a, q, i) => a + (n.pos[i]! + 1) * out.hidden![q * E + e]!, 0) / z);
        });
        let worstPool = 0;
        X.forEach((x, m) => x.forEach((v, e) => (worstPool = Math.max(worstPool, Math.abs(v - out.pooled![m * E + e]!)))));
        expect(worstPool).toBeLessThan(1e-5);
        for (let m = nodes.length; m < M; m++) for (let e = 0; e < E; e++) expect(out.pooled![m * E + e]).toBe(0);

        const read = (name: string) => Array.from(s.read(s.param(name).tensor, s.param(name).numel));
        const [W1, b1, W2, b2] = ["head.gcn.w1", "head.gcn.b1", "head.gcn.w2", "head.gcn.b2"].map(read) as number[][];
        const H = CFG.gcnHidden;
        // Â over the batch: block-diagonal, one block per graph.
        const A: number[][] = nodes.map(() => nodes.map(() => 0));
        let off = 0;
        for (const gr of mb!.payload.graphs) {
          const a = gcnNormalized(gr.nodes.length, gr.edges);
          for (let t = 0; t < gr.nodes.length; t++)
            for (let u = 0; u < gr.nodes.length; u++) A[off + t]![off + u] = a[t * gr.nodes.length + u]!;
          off += gr.nodes.length;
        }
        const XW = X.map((x) => Array.from({ length: H }, (_, j) => x.reduce((a, v, e) => a + v * W1![e + E * j]!, 0)));
        const H1 = A.map((row) =>
          Array.from({ length: H }, (_, j) => Math.max(0, row.reduce((a, v, u) => a + v * XW[u]![j]!, 0) + b1![j]!)),
        );
        const HW = H1.map((x) => [0, 1, 2].map((c) => x.reduce((a, v, j) => a + v * W2![j + H * c]!, 0)));
        const Z = A.map((row) => [0, 1, 2].map((c) => row.reduce((a, v, u) => a + v * HW[u]![c]!, 0) + b2![c]!));
        let worstLogit = 0;
        Z.forEach((z, m) => z.forEach((v, c) => (worstLogit = Math.max(worstLogit, Math.abs(v - out.nodeLogits![m * 3 + c]!)))));
        expect(worstLogit).toBeLessThan(1e-4);
        const nodeLoss =
          Z.reduce((a, z, m) => {
            const mx = Math.max(...z);
            const lse = mx + Math.log(z.reduce((x, v) => x + Math.exp(v - mx), 0));
            return a + lse - z[NODE_CLASS[nodes[m]!.label]]!;
          }, 0) / nodes.length;
        expect(out.node![0]!).toBeCloseTo(nodeLoss, 5);

        const [V1, c1, V2, c2] = ["head.mlp.w1", "head.mlp.b1", "head.mlp.w2", "head.mlp.b2"].map(read) as number[][];
        const score = X.map((x) => {
          const hid = Array.from({ length: E }, (_, i) => Math.max(0, x.reduce((a, v, e) => a + v * V1![e + E * i]!, 0) + c1![i]!));
          return Math.tanh(hid.reduce((a, v, i) => a + v * V2![i]!, 0) + c2![0]!);
        });
        const pairs: [number, number][] = [];
        off = 0;
        for (const gr of mb!.payload.graphs) {
          for (const [p, q] of gr.pairs) pairs.push([off + p, off + q]);
          off += gr.nodes.length;
        }
        pairs.forEach(([p, q], k) => expect(out.pairMargins![k]!).toBeCloseTo(score[p]! - score[q]!, 5));
        const mr = pairs.reduce((a, [p, q]) => a + Math.max(0, CFG.margin - (score[p]! - score[q]!)), 0) / pairs.length;
        expect(out.mr![0]!).toBeCloseTo(mr, 5);

        const logits = await s.logits();
        const V = w.hp.nVocab;
        let ce = 0;
        let nt = 0;
        mb!.rows.forEach((row, b) => {
          for (let q = 0; q < T; q++) {
            if (!row.loss[q]) continue;
            const z = Array.from(logits.subarray((b * T + q) * V, (b * T + q + 1) * V));
            const mx = Math.max(...z);
            ce += mx + Math.log(z.reduce((x, v) => x + Math.exp(v - mx), 0)) - z[row.target[q]!]!;
            nt++;
          }
        });
        expect(nt).toBe(mb!.payload.ntTargets);
        expect(out.nt![0]!).toBeCloseTo(ce / nt, 4);
        const total = await s.evalLoss();
        expect(total).toBeCloseTo(CFG.alpha * (ce / nt) + CFG.beta * nodeLoss + CFG.gamma * mr, 4);
        console.log(
          `[magdi ${mode}] nt ${out.nt![0]!.toFixed(4)} node ${out.node![0]!.toFixed(4)} mr ${out.mr![0]!.toFixed(4)} total ${total.toFixed(4)}; host |Δ| pooled ${worstPool.toExponential(1)}, logits ${worstLogit.toExponential(1)}`,
        );

        // --- Gradients along a random direction near each tensor's gradient, in two sessions: all three terms
        // (the model's tensors; eps 1e-2), and the two new heads alone (α = 0: every tensor, the model's through
        // the pooling and the GCN's and MLP's own; eps 2e-3, smaller because the ReLUs have kinks). Without the
        // next-token term the loss is ~8× smaller, and so is float32 noise in its differences.
        const all = await gradientErrors(h, { pick: (n) => !n.startsWith("head."), eps: 1e-2, dirRng: new Rng(17, mode) });
        const heads = await headsOnlyErrors(mode, graphs, T, B, dims);
        console.log(`[magdi ${mode}] worst relative gradient error, α β γ = ${CFG.alpha} ${CFG.beta} ${CFG.gamma}: ${formatErrors(all)}`);
        console.log(`[magdi ${mode}] worst relative gradient error, heads alone (α 0): ${formatErrors(heads)}`);
        for (const [k, v] of Object.entries(all)) expect(v, k).toBeLessThan(3e-3);
        for (const [k, v] of Object.entries(heads)) expect(v, `${k} (heads alone)`).toBeLessThan(3e-3);
        expect(Object.keys(heads)).toEqual(expect.arrayContaining(["head.gcn.w1", "head.gcn.b2", "head.mlp.w1", "head.mlp.b2"]));

        // --- Saved: only the model's tensors (LoRA pairs, or the full model's weights), never head.*.
        const saved = join(dir, `saved-${mode}.gguf`);
        if (lora) await saveLoraAdapter(g, w, lora, saved);
        else await saveFullModel(g, w, saved);
        const f = openGguf(saved, g);
        const tensors = f.tensors.map((t) => t.name);
        f.close();
        expect(tensors.some((n) => n.startsWith("head."))).toBe(false);
        if (lora) expect(tensors.every((n) => /\.lora_[ab]$/.test(n))).toBe(true);
        else expect(tensors).toContain("output.weight");
      } finally {
        h.free();
      }
    },
  );
});
