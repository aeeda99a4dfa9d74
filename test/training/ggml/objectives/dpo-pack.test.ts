import { describe, expect, it } from "vitest";
import { packPairs, type TokenPair } from "../../../../src/training/ggml/objectives/dpo.js";

/** A pair whose replies span `c` and `r` positions (one prompt token, all reply tokens trained). */
const pair = (c: number, r: number): TokenPair => {
  const piece = (n: number) => ({
    tokens: Array.from({ length: n + 1 }, (_, i) => 3 + i),
    mask: Array.from({ length: n + 1 }, (_, i) => (i > 0 ? 1 : 0)),
  });
  return { chosen: piece(c), rejected: piece(r) };
};

describe("packPairs", () => {
  it("keeps both replies of a pair in one micro-batch, first fit into its rows", () => {
    const pairs = [pair(5, 3), pair(4, 4), pair(6, 2), pair(7, 7)];
    const mbs = packPairs(pairs, 8, 2, true);
    expect(mbs.map((mb) => mb.units)).toEqual([2, 1, 1]);
    for (const mb of mbs) {
      expect(mb.rows).toHaveLength(2);
      mb.payload.pairs.forEach((p, k) => {
        for (const [slot, piece] of [
          [mb.payload.chosen[k]!, p.chosen],
          [mb.payload.rejected[k]!, p.rejected],
        ] as const) {
          const row = mb.rows[slot.b]!;
          const at = Array.from(row.seg).flatMap((s, q) => (s === slot.seg ? [q] : []));
          expect(at.map((q) => row.tokens[q])).toEqual(piece.tokens.slice(0, -1));
          expect(at.map((q) => row.target[q])).toEqual(piece.tokens.slice(1));
        }
      });
    }
    // First micro-batch: 5+3 fill row 0, 4+4 fill row 1.
    expect(mbs[0]!.rows.map((r) => r.nTokens)).toEqual([8, 8]);
    expect(mbs.flatMap((mb) => mb.payload.pairs)).toEqual(pairs.slice(0, 4));
  });

  it("without packing gives each reply its own row; with one row per micro-batch a row holds the pair", () => {
    expect(packPairs([pair(2, 2), pair(2, 2), pair(2, 2)], 8, 4, false).map((mb) => mb.units)).toEqual([2, 1]);
    const one = packPairs([pair(3, 4), pair(2, 2)], 8, 1, true);
    expect(one.map((mb) => [mb.units, mb.rows.length, mb.rows[0]!.nTokens])).toEqual([
      [1, 1, 7],
      [1, 1, 4],
    ]);
    expect(() => packPairs([pair(5, 5)], 8, 1, true)).toThrow(/does not fit 1 rows of 8/);
  });
});
