import { describe, expect, it } from "vitest";
import { fixArguments, normalizeAnswer } from "../../src/tasks/latex-normalize.js";

describe("normalizeAnswer", () => {
  it.each([
    ["\\dfrac{17}{50}", "\\frac{17}{50}"],
    ["\\frac43", "\\frac{4}{3}"],
    ["\\frac9{19}", "\\frac{9}{19}"],
    ["\\frac{270}7\\text{ degrees}", "\\frac{270}{7}"],
    ["11\\sqrt2", "11\\sqrt{2}"],
    ["\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\frac{\\pi}{2})"],
    ["10,\\!080", "10080"],
    ["\\$32,\\!348", "32348"],
    ["58,500", "58500"],
    ["90^\\circ", "90"],
    ["90^{\\circ}", "90"],
    ["50\\%", "50"],
    ["864 \\mbox{ inches}^2", "864"],
    ["5.4 \\text{ cents}", "5.4"],
    ["\\text{Evelyn}", "Evelyn"],
    ["\\text{(C)}", "C"],
    ["x=5", "5"],
    ["x \\in [-2,7]", "[-2,7]"],
    ["5x - 7y + 11z + 4 = 0", "5x-7y+11z+4=0"],
    [".0000672", "0.0000672"],
    ["2.50", "2.5"],
    ["3.0", "3"],
    ["4210_{5}", "4210_5"],
    ["\\cot x", "\\cot x"],
    ["1/2", "\\frac{1}{2}"],
    ["$\\frac{1}{2}$.", "\\frac{1}{2}"],
    ["\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}"],
  ])("%j → %j", (raw, want) => {
    expect(normalizeAnswer(raw)).toBe(want);
  });
  it("braces bare arguments, nested too", () => {
    expect(fixArguments("\\frac\\pi2")).toBe("\\frac{\\pi}{2}");
    expect(fixArguments("\\sqrt[3]{\\frac12}")).toBe("\\sqrt[3]{\\frac{1}{2}}");
  });
});
