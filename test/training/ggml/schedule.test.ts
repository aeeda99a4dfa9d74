import { describe, expect, it } from "vitest";
import { learningRate } from "../../../src/training/ggml/schedule.js";

describe("learningRate", () => {
  it("warms up linearly, then follows the schedule without reaching zero on the last step", () => {
    expect(learningRate("cosine", 1, 1, 10, 2)).toBeCloseTo(0.5);
    expect(learningRate("cosine", 1, 2, 10, 2)).toBeCloseTo(1);
    expect(learningRate("cosine", 1, 3, 10, 2)).toBeCloseTo(1);
    const last = learningRate("cosine", 1, 10, 10, 2);
    expect(last).toBeGreaterThan(0);
    expect(last).toBeLessThan(0.05);
    expect(learningRate("linear", 1, 7, 10, 2)).toBeCloseTo(1 - 4 / 8);
    expect(learningRate("constant", 3, 9, 10, 2)).toBe(3);
  });

  it("decreases monotonically after warm-up", () => {
    for (const s of ["cosine", "linear"] as const) {
      let prev = Infinity;
      for (let step = 1; step <= 50; step++) {
        const lr = learningRate(s, 1e-3, step, 50, 0);
        expect(lr).toBeLessThanOrEqual(prev);
        prev = lr;
      }
    }
  });
});
