import { describe, expect, it } from "vitest";
import { Rng } from "../../src/util/rng.js";
import { deriveSeed } from "../../src/util/seed.js";

describe("seeded randomness", () => {
  it("derives the same seed from the same identity and different ones otherwise", () => {
    expect(deriveSeed(1, "q1", 0, 1)).toBe(deriveSeed(1, "q1", 0, 1));
    expect(deriveSeed(1, "q1", 0, 1)).not.toBe(deriveSeed(1, "q1", 1, 0));
    expect(deriveSeed(2, "q1", 0, 1)).not.toBe(deriveSeed(1, "q1", 0, 1));
  });

  it("repeats its stream for a seed, and is roughly uniform", () => {
    const a = new Rng(42),
      b = new Rng(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it("samples without replacement", () => {
    const s = new Rng(3).sample([1, 2, 3, 4, 5], 5);
    expect([...s].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(new Rng(3).sample([1, 2], 5)).toHaveLength(2);
    expect(new Rng(3).sample([1, 2], 5, true)).toHaveLength(5);
  });
});
