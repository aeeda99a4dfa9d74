import { describe, expect, it } from "vitest";
import { summarize, summaryMetrics } from "../../src/metrics/eval-summary.js";
import type { TurnSummary } from "../../src/protocols/debate/index.js";

describe("summarize (the one evaluation summary)", () => {
  const turn = (o: Partial<TurnSummary>): TurnSummary => ({
    round: 1,
    role: "generator",
    index: 0,
    answer: "1",
    parseStatus: "boxed",
    promptTokens: 10,
    completionTokens: 5,
    fresh: true,
    ...o,
  });
  const outcome = (correct: boolean, finalAnswer: string | null, turns: TurnSummary[]) => ({ correct, finalAnswer, turns });

  it("counts accuracy with its standard error, unparsed answers and tokens", () => {
    const s = summarize([
      outcome(true, "1", [turn({}), turn({ role: "summarizer", answer: null, parseStatus: "unparsed", fresh: false })]),
      outcome(false, null, [turn({ answer: null, parseStatus: "unparsed" })]),
      outcome(true, "1", [turn({ fresh: false })]),
      outcome(false, "2", [turn({})]),
    ]);
    expect(s).toMatchObject({
      questions: 4,
      correct: 2,
      accuracy: 0.5,
      unparsed: 1,
      unparsedTurns: 1,
      promptTokens: 50,
      completionTokens: 25,
      freshCompletionTokens: 15,
      freshTurns: 3,
    });
    expect(s.stderr).toBeCloseTo(Math.sqrt(0.25 / 4), 12);
  });

  it("stores accuracy, its stderr, unparsed, questions and all tokens as the run-scope metrics", () => {
    const s = summarize([{ correct: true, finalAnswer: "1", turns: [{ promptTokens: 3, completionTokens: 4, parseStatus: "boxed" }] }]);
    expect(summaryMetrics(s)).toEqual([
      ["accuracy", 1],
      ["accuracy_stderr", 0],
      ["unparsed", 0],
      ["questions", 1],
      ["tokens", 7],
    ]);
  });
});
