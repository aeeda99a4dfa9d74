import { describe, expect, it } from "vitest";
import { finalVotes, labelPrecision, usableLabel } from "../../src/datasets/labels.js";
import type { DebateTranscript } from "../../src/datasets/types.js";

const turn = (round: number, answer: string | null) => ({
  turnId: `t${round}${answer}`,
  round,
  prompt: [],
  completion: `\\boxed{${answer}}`,
  answer,
});
const debate = (consensus: string | null, finals: Array<string | null>): DebateTranscript => ({
  questionId: "q",
  consensus,
  chains: finals.map((a, agent) => ({ agent, turns: [turn(2, a), turn(1, "0")] })),
});

describe("pseudo-labels", () => {
  it("counts the final round's votes for ŷ (not round 1's) and applies min_votes", () => {
    const d = debate("7", ["7", "7", "3"]);
    expect(finalVotes(d)).toBe(2);
    expect(usableLabel(d)).toBe(true);
    expect(usableLabel(d, 2)).toBe(true);
    expect(usableLabel(d, 3)).toBe(false);
    expect(usableLabel(debate(null, [null, null]))).toBe(false);
  });

  it("label precision: the share of rows whose question's ŷ is right", () => {
    const rows = ["a", "a", "b", "c"].map((questionId) => ({ questionId, sourceTurnIds: [], messages: [] }));
    const yhat: Record<string, string> = { a: "1", b: "2", c: "9" };
    const gold: Record<string, string> = { a: "1", b: "5", c: "9" };
    expect(
      labelPrecision(
        rows,
        (q) => yhat[q]!,
        (q, a) => a === gold[q],
      ),
    ).toBeCloseTo(0.75);
    expect(
      labelPrecision(
        [],
        () => null,
        () => true,
      ),
    ).toBeNaN();
  });
});
