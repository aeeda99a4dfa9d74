import { describe, expect, it } from "vitest";
import { extractChoice, letterOf } from "../../src/tasks/choice.js";
import { hashGold, makeExtractor } from "../../src/tasks/extractors.js";
import { makeGrader } from "../../src/tasks/graders.js";

describe("option letters", () => {
  it("takes the last explicit letter: boxed, (X), or 'the answer is X'", () => {
    expect(extractChoice("(A) is tempting but the answer is (C).", "ABCD")).toEqual({ answer: "C", status: "choice" });
    expect(extractChoice("so \\boxed{B}", "ABCD")).toEqual({ answer: "B", status: "boxed" });
    expect(extractChoice("\\boxed{(D) 42}", "ABCD")).toEqual({ answer: "D", status: "boxed" });
    expect(extractChoice("Answer: D", "ABCD")).toEqual({ answer: "D", status: "choice" });
    expect(extractChoice("\\boxed{A} ... on reflection the answer is B", "ABCD")).toEqual({ answer: "B", status: "choice" });
  });
  it("ignores letters outside the options and words that start with one", () => {
    expect(extractChoice("The answer is (E).", "ABCD").status).toBe("unparsed");
    expect(extractChoice("A good question. Because of x.", "ABCD").status).toBe("unparsed");
    expect(extractChoice("the answer is a bit unclear", "ABCD").status).toBe("unparsed");
  });
  it("falls back to a line holding only a letter, unless told not to", () => {
    expect(extractChoice("thinking...\nB.\n", "ABCD")).toEqual({ answer: "B", status: "fallback" });
    expect(extractChoice("thinking...\nB.\n", "ABCD", false).status).toBe("unparsed");
  });
  it("letterOf reads a gold written as B, (b), 'C. text'", () => {
    expect(["B", "(b)", "C. Paris", " D ", "Because", "E"].map((s) => letterOf(s, "ABCD"))).toEqual(["B", "B", "C", "D", null, null]);
  });
});

describe("extractors read golds strictly, graders say why a gold is unusable", () => {
  it("hash gold drops thousands commas; boxed gold needs a box; regex takes its group", () => {
    expect(hashGold("... #### 70,000")).toBe("70000");
    expect(hashGold("no marker")).toBeNull();
    expect(makeExtractor({ name: "boxed" }).gold("It is 5.")).toBeNull();
    expect(makeExtractor({ name: "boxed" }).answer("It is 5.")).toEqual({ answer: "5", status: "fallback" });
    expect(makeExtractor({ name: "boxed", fallback: false }).answer("It is 5.")).toEqual({ answer: null, status: "unparsed" });
    expect(makeExtractor({ name: "regex", pattern: "ANSWER=(\\d+)" }).gold("x ANSWER=3 y ANSWER=4")).toBe("4");
    expect(makeExtractor({ name: "last_number" }).answer("1, then 2,000")).toEqual({ answer: "2000", status: "number" });
    expect(() => makeExtractor({ name: "regex", pattern: "(" })).toThrow(/invalid pattern/);
  });
  it("graders", () => {
    expect(makeGrader({ name: "numeric" }).goldProblem("four")).toBe("is not a number");
    expect(makeGrader({ name: "multiple_choice" }).goldProblem("7")).toBe("is not an option letter");
    expect(makeGrader({ name: "exact" }).grade("Paris ", "paris")).toBe(false);
    expect(makeGrader({ name: "exact", ignore_case: true }).grade("  Paris ", "paris")).toBe(true);
    expect(makeGrader({ name: "multiple_choice" }).grade("(c)", "C")).toBe(true);
  });
});
