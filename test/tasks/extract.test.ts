import { describe, expect, it } from "vitest";
import { extractAnswer, lastBoxed, lastHash, lastNumber } from "../../src/tasks/extract.js";

describe("lastBoxed", () => {
  it("takes the last box and keeps nested braces", () => {
    expect(lastBoxed("first \\boxed{1} then \\boxed{\\frac{\\sqrt{3}}{2}}.")?.content).toBe("\\frac{\\sqrt{3}}{2}");
    expect(lastBoxed("\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}")?.content).toBe("\\left( 3, \\frac{\\pi}{2} \\right)");
    expect(lastBoxed("\\boxed{\\{1,2\\}}")?.content).toBe("\\{1,2\\}");
  });
  it("reads `\\boxed 5`, `\\fbox{}` and spaces before the brace", () => {
    expect(lastBoxed("so $\\boxed 5$.")?.content).toBe("5");
    expect(lastBoxed("answer: \\fbox{42}")?.content).toBe("42");
    expect(lastBoxed("\\boxed {7}")?.content).toBe("7");
  });
  it("skips a truncated or empty last box for the previous complete one", () => {
    expect(lastBoxed("\\boxed{3} and then \\boxed{\\frac{1}{2")?.content).toBe("3");
    expect(lastBoxed("\\boxed{3} \\boxed{}")?.content).toBe("3");
    expect(lastBoxed("no box here")).toBeNull();
    expect(lastBoxed("\\boxedx{3}")).toBeNull();
  });
});

describe("lastNumber", () => {
  it("finds negatives, decimals and thousands commas", () => {
    expect(lastNumber("so the total is -27.")).toBe("-27");
    expect(lastNumber("He pays $1,250,000 in all")).toBe("1250000");
    expect(lastNumber("about 3.75 hours")).toBe("3.75");
    expect(lastNumber("that is .5 of it")).toBe("0.5");
  });
  it("does not read a binary minus as a sign", () => {
    expect(lastNumber("30-5")).toBe("5");
    expect(lastNumber("(3)-5")).toBe("5");
    expect(lastNumber("x = -5")).toBe("-5");
  });
  it("keeps a list of numbers apart", () => {
    expect(lastNumber("the roots are 1, 2")).toBe("2");
    expect(lastNumber("no digits")).toBeNull();
  });
});

describe("extractAnswer", () => {
  it("prefers a box, records the status", () => {
    expect(extractAnswer("2+2 = 4, so \\boxed{4}. Also 7.")).toEqual({ answer: "4", status: "boxed" });
  });
  it("reads GSM8K's #### only when asked, taking whichever marker is last", () => {
    const gsm = "She makes 9 * 2 = $<<9*2=18>>18 every day.\n#### 18";
    expect(extractAnswer(gsm, { hash: true })).toEqual({ answer: "18", status: "hash" });
    expect(extractAnswer(gsm)).toEqual({ answer: "18", status: "fallback" });
    expect(extractAnswer("#### 5\nActually \\boxed{6}", { hash: true })).toEqual({ answer: "6", status: "boxed" });
    expect(extractAnswer("\\boxed{6}\n#### 1,000", { hash: true })).toEqual({ answer: "1,000", status: "hash" });
  });
  it("falls back to the last number, then gives up", () => {
    expect(extractAnswer("The answer is 12.")).toEqual({ answer: "12", status: "fallback" });
    expect(extractAnswer("I do not know.")).toEqual({ answer: null, status: "unparsed" });
    expect(extractAnswer("")).toEqual({ answer: null, status: "unparsed" });
    expect(extractAnswer("The answer is 12.", { fallback: false })).toEqual({ answer: null, status: "unparsed" });
  });
  it("lastHash reads to the end of the line", () => {
    expect(lastHash("#### 70,000\n")?.content).toBe("70,000");
  });
});
