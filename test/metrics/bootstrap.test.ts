import { describe, expect, it } from "vitest";
import { formatBootstrap, pairedBootstrap } from "../../src/metrics/bootstrap.js";

describe("paired bootstrap", () => {
  it("finds a clear difference significant and a null one not", () => {
    const n = 400;
    const a = Array.from({ length: n }, (_, i) => (i % 10 < 6 ? 1 : 0)); // 60%
    const b = Array.from({ length: n }, (_, i) => (i % 10 < 4 ? 1 : 0)); // 40%, nested in a
    const r = pairedBootstrap(a, b, { seed: 3 });
    expect(r.diff).toBeCloseTo(0.2);
    expect(r.p).toBeLessThan(0.001);
    expect(r.lo).toBeGreaterThan(0.15);
    const same = pairedBootstrap(a, [...a].reverse(), { seed: 3 });
    expect(same.diff).toBeCloseTo(0);
    expect(same.p).toBeGreaterThan(0.5);
    expect(same.lo).toBeLessThan(0);
    expect(same.hi).toBeGreaterThan(0);
  });

  it("is seeded and refuses unpaired inputs", () => {
    const a = [1, 0, 1, 1, 0, 1],
      b = [0, 0, 1, 0, 0, 1];
    expect(pairedBootstrap(a, b, { seed: 9 })).toEqual(pairedBootstrap(a, b, { seed: 9 }));
    expect(() => pairedBootstrap(a, b.slice(1))).toThrow(/same questions/);
    expect(formatBootstrap({ diff: 0.032, lo: -0.004, hi: 0.068, p: 0.08, n: 500, samples: 2000 })).toBe(
      "+3.2 points [−0.4, +6.8], p = 0.080",
    );
  });
});
