import { describe, expect, it } from "vitest";
import { UserError } from "../../../../src/errors.js";
import type { MicroBatch } from "../../../../src/training/ggml/objectives/objective.js";
import { checkVocab, cutPiece, epochBatches, pickContext } from "../../../../src/training/ggml/objectives/planning.js";

/** One micro-batch per unit, its payload the unit: the batches show the epoch's order. */
const oneEach = (units: number[]): MicroBatch<number>[] => units.map((u) => ({ rows: [], units: 1, payload: u }));
const order = (epoch: MicroBatch<number>[]) => epoch.map((mb) => mb.payload);

describe("objective planning", () => {
  it("pickContext: the longest sequence rounded up to 8, at most 1024, the request's when given, never past the model's", () => {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    expect(pickContext(13, undefined, 4096, warn)).toBe(16);
    expect(pickContext(5000, undefined, 4096, warn)).toBe(1024);
    expect(pickContext(13, 40, 4096, warn)).toBe(40);
    expect(warnings).toEqual([]);
    expect(pickContext(13, 300, 256, warn)).toBe(256);
    expect(warnings).toEqual(["contextLength 300 exceeds the model's training context 256; using 256"]);
  });

  it("checkVocab names the place of a token outside the vocabulary", () => {
    expect(() => checkVocab([0, 5, 9], 10, "pair 1")).not.toThrow();
    for (const bad of [10, -1, 2.5]) {
      expect(() => checkVocab([1, bad], 10, "pair 3")).toThrow(UserError);
      expect(() => checkVocab([1, bad], 10, "pair 3")).toThrow(`train: pair 3 has token ${bad} outside the vocabulary (0..9)`);
    }
  });

  it("cutPiece keeps a piece that fits a row and cuts a longer one to T + 1 tokens, its start kept", () => {
    const p = { tokens: [1, 2, 3, 4, 5], mask: [0, 0, 1, 1, 1] };
    expect(cutPiece(p, 4)).toBe(p);
    expect(cutPiece(p, 2)).toEqual({ tokens: [1, 2, 3], mask: [0, 0, 1] });
    expect(p.tokens).toHaveLength(5);
  });

  it("epochBatches: each epoch a seeded permutation of the units, the same for the same seed", () => {
    const units = Array.from({ length: 20 }, (_, i) => i);
    const epochs = epochBatches(units, { epochs: 3, seed: 7 }, oneEach);
    expect(epochs).toHaveLength(3);
    for (const e of epochs) expect([...order(e)].sort((a, b) => a - b)).toEqual(units);
    expect(order(epochs[0]!)).not.toEqual(order(epochs[1]!));
    expect(epochBatches(units, { epochs: 3, seed: 7 }, oneEach).map(order)).toEqual(epochs.map(order));
    expect(order(epochBatches(units, { epochs: 1, seed: 8 }, oneEach)[0]!)).not.toEqual(order(epochs[0]!));
    expect(units).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
