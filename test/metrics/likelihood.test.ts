import { describe, expect, it } from "vitest";
import { klToReference } from "../../src/metrics/likelihood.js";

describe("KL to the reference model", () => {
  it("is the mean per-token log-ratio of the agent's own samples, zero for the reference itself", () => {
    expect(
      klToReference([
        { own: -10, ref: -14, tokens: 4 },
        { own: -6, ref: -6, tokens: 3 },
      ]),
    ).toBeCloseTo(0.5);
    expect(klToReference([{ own: -5, ref: -5, tokens: 5 }])).toBe(0);
    expect(klToReference([{ own: -5, ref: -7, tokens: 0 }])).toBeNaN();
  });
});
