import { describe, expect, it } from "vitest";
import { microBatches, packRows, splitValidation, trimRows } from "../../../src/training/ggml/data/rows.js";

const seq = (tokens: number[], mask?: number[]) => ({ tokens, lossMask: mask ?? tokens.map(() => 1) });

describe("packRows", () => {
  it("packs sequences first-fit, restarting positions and keeping targets inside each sequence", () => {
    const { rows } = packRows([seq([1, 10, 11, 12]), seq([1, 20, 21]), seq([1, 30, 31, 32, 33])], 8, true);
    expect(rows).toHaveLength(2);
    const r = rows[0];
    // sequence 1 uses 3 positions, sequence 2 uses 2
    expect(Array.from(r.tokens.slice(0, 5))).toEqual([1, 10, 11, 1, 20]);
    expect(Array.from(r.pos.slice(0, 5))).toEqual([0, 1, 2, 0, 1]);
    expect(Array.from(r.seg.slice(0, 6))).toEqual([0, 0, 0, 1, 1, -1]);
    expect(Array.from(r.target.slice(0, 6))).toEqual([10, 11, 12, 20, 21, -1]);
    expect(r.nTargets).toBe(5);
    expect(r.nTokens).toBe(5);
    expect(rows[1].nTokens).toBe(4);
  });

  it("marks prompt positions as untrained but keeps their next tokens", () => {
    const { rows } = packRows([seq([1, 5, 6, 7, 8], [0, 0, 0, 1, 1])], 6, false);
    expect(Array.from(rows[0].loss.slice(0, 4))).toEqual([0, 0, 1, 1]);
    expect(Array.from(rows[0].target.slice(0, 4))).toEqual([5, 6, 7, 8]);
    expect(rows[0].nTargets).toBe(2);
  });

  it("gives every sequence its own row without packing", () => {
    expect(packRows([seq([1, 2]), seq([1, 3])], 8, false).rows).toHaveLength(2);
  });

  it("splits sequences longer than T+1 into overlapping windows that keep every target once", () => {
    const tokens = Array.from({ length: 11 }, (_, i) => i + 1);
    const res = packRows([seq(tokens)], 4, false);
    expect(res.split).toBe(1);
    const targets = res.rows.flatMap((r) => Array.from(r.target).filter((t) => t >= 0));
    expect(targets).toEqual(tokens.slice(1));
  });

  it("skips sequences with nothing to learn", () => {
    const res = packRows([seq([1, 2, 3], [1, 0, 0]), seq([7])], 4, true);
    expect(res.rows).toHaveLength(0);
    expect(res.empty).toBe(2);
  });
});

describe("splitValidation and microBatches", () => {
  it("is deterministic per seed and keeps at least one training item", () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const a = splitValidation(items, 0.25, 7);
    expect(a).toEqual(splitValidation(items, 0.25, 7));
    expect(a.val).toHaveLength(5);
    expect([...a.train, ...a.val].sort((x, y) => x - y)).toEqual(items);
    expect(splitValidation(items, 0.25, 8).val).not.toEqual(a.val);
    expect(splitValidation([1, 2], 0.9, 1).train).toHaveLength(1);
  });

  it("pads the last micro-batch with empty rows", () => {
    const { rows } = packRows([seq([1, 2]), seq([1, 3]), seq([1, 4])], 4, false);
    const mbs = microBatches(rows, 2, 4);
    expect(mbs).toHaveLength(2);
    expect(mbs[1][1].nTargets).toBe(0);
    expect(Array.from(mbs[1][1].seg)).toEqual([-1, -1, -1, -1]);
  });
});

describe("trimRows", () => {
  it("cuts the padding all rows share to the fullest row (rounded up to 8), keeping every position that holds data", () => {
    const seqs = Array.from({ length: 5 }, (_, i) => seq(Array.from({ length: 6 + i }, (_, j) => 1 + i + j)));
    const train = packRows(seqs.slice(0, 4), 64, false).rows;
    const val = packRows(seqs.slice(4), 64, false).rows;
    const t = trimRows(train, val, 64);
    // The longest sequence (10 tokens) uses 9 positions: rows of 16.
    expect(t.T).toBe(16);
    expect(t.train).toHaveLength(4);
    expect(t.val).toHaveLength(1);
    for (const [i, r] of [...t.train, ...t.val].entries()) {
      const full = [...train, ...val][i]!;
      expect(r.tokens).toHaveLength(16);
      expect(Array.from(r.target)).toEqual(Array.from(full.target.slice(0, 16)));
      expect(Array.from(r.seg)).toEqual(Array.from(full.seg.slice(0, 16)));
      expect(Array.from(r.loss)).toEqual(Array.from(full.loss.slice(0, 16)));
      expect(Array.from(r.pos)).toEqual(Array.from(full.pos.slice(0, 16)));
      // Nothing with data was cut.
      expect(Array.from(full.seg.slice(16)).every((s) => s === -1)).toBe(true);
      expect([r.nTargets, r.nTokens]).toEqual([full.nTargets, full.nTokens]);
    }
  });

  it("leaves rows alone when one of them is (nearly) full", () => {
    const rows = packRows([seq([1, 2, 3, 4, 5, 6, 7, 8, 9]), seq([1, 2])], 8, true).rows;
    expect(trimRows(rows, [], 8).T).toBe(8);
    expect(trimRows(packRows([seq(Array.from({ length: 60 }, (_, i) => i))], 64, false).rows, [], 64).T).toBe(64);
  });
});
