import { describe, expect, it } from "vitest";
import { expectedVoteCorrect, majorityAtK } from "../../src/metrics/vote.js";

const is7 = (a: string) => a === "7";

describe("vote accuracy", () => {
  it("counts a unique plurality, splits a tie evenly, ignores unparsed answers", () => {
    expect(expectedVoteCorrect(["7", "7", "3"], is7)).toBe(1);
    expect(expectedVoteCorrect(["7", "3", "3"], is7)).toBe(0);
    expect(expectedVoteCorrect(["7", "3", "5"], is7)).toBeCloseTo(1 / 3);
    expect(expectedVoteCorrect(["7", null, "3"], is7)).toBe(0.5);
    expect(expectedVoteCorrect([null, null], is7)).toBe(0);
  });

  it("maj@k averages every k-subset of the samples", () => {
    // Subsets of 3 from [7,7,3,5]: {7,7,3}=1 {7,7,5}=1 {7,3,5}=1/3 {7,3,5}=1/3 → 2/3.
    expect(majorityAtK(["7", "7", "3", "5"], 3, is7)).toBeCloseTo(2 / 3);
    expect(majorityAtK(["7", "3", "5"], 1, is7)).toBeCloseTo(1 / 3);
    expect(() => majorityAtK(["7"], 3, is7)).toThrow(/maj@3/);
  });
});
