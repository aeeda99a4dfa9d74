import { describe, expect, it } from "vitest";
import { canonicalAnswer, isEquivalent } from "../../src/tasks/equivalence.js";

// [model answer, gold] pairs a careful human grader accepts
const EQUAL: [string, string][] = [
  ["\\frac{1}{2}", "\\frac12"],
  ["\\dfrac{1}{2}", "\\frac{1}{2}"],
  ["\\tfrac{3}{4}", "\\frac 34"],
  ["0.5", "\\frac{1}{2}"],
  ["1/2", "\\frac{1}{2}"],
  ["-1/2", "-\\frac{1}{2}"],
  ["\\frac{-3}{8}", "-\\frac{3}{8}"],
  [".5", "0.5"],
  ["2.50", "2.5"],
  ["5.0", "5"],
  ["1,000", "1000"],
  ["10,080", "10,\\!080"],
  ["11111111100", "11,\\! 111,\\! 111,\\! 100"],
  ["-7", "-7"],
  ["30", "30^\\circ"],
  ["30^{\\circ}", "30^\\circ"],
  ["30 degrees", "30^\\circ"],
  ["50\\%", "50"],
  ["50%", "50"],
  ["\\$36", "36"],
  ["$18.90", "\\$18.90"],
  ["5.4", "5.4 \\text{ cents}"],
  ["864", "864 \\mbox{ inches}^2"],
  ["864 square inches", "864"],
  ["15 \\text{ cm}^2", "15\\mbox{ cm}^2"],
  ["\\frac{270}{7}", "\\frac{270}7\\text{ degrees}"],
  ["x=5", "5"],
  ["5", "x=5"],
  ["\\sqrt2", "\\sqrt{2}"],
  ["11\\sqrt{2}", "11\\sqrt2"],
  ["\\sqrt{8}", "2\\sqrt{2}"],
  ["\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}"],
  ["\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\frac{\\pi}{2})"],
  ["(3, \\pi/2)", "\\left( 3, \\frac{\\pi}{2} \\right)"],
  ["(3,4]", "(3,4]"],
  ["\\left(\\frac{3}{5},\\frac{8}{3}\\right]", "(0.6, \\frac83]"],
  ["(-\\infty,0]", "(-\\infty, 0]"],
  ["(-\\infty, 2) \\cup (3, \\infty)", "(-\\infty,2)\\cup(3,\\infty)"],
  ["(3,\\infty)\\cup(-\\infty,2)", "(-\\infty,2)\\cup(3,\\infty)"],
  ["[-2,7]", "x \\in [-2,7]"],
  ["3, 5, 7", "3,5,7"],
  ["7, 3, 5", "3, 5, 7"],
  ["-2, 1", "1,-2"],
  ["1+\\sqrt{19}, 1-\\sqrt{19}", "1 \\pm \\sqrt{19}"],
  ["3 \\pm 2\\sqrt{2}", "3 \\pm 2 \\sqrt{2}"],
  ["\\{-2, 1+\\sqrt5, 1-\\sqrt5\\}", "\\{1\\pm\\sqrt{5},-2\\}"],
  ["\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}", "\\begin{pmatrix} -\\frac13 \\\\ \\frac23 \\\\ \\frac53 \\end{pmatrix}"],
  ["(-2,-14,-7)", "\\begin{pmatrix} -2 \\\\ -14 \\\\ -7 \\end{pmatrix}"],
  ["\\begin{bmatrix} -1 & 0 \\\\ 0 & -1 \\end{bmatrix}", "\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}"],
  ["6-5i", "6 - 5i"],
  ["-5i+6", "6 - 5i"],
  ["\\pi", "\\pi"],
  ["\\frac{\\pi}{6}\\cdot(-1)", "-\\frac{\\pi}{6}"],
  ["288\\pi", "288 \\pi"],
  ["2(k+1)", "2k+2"],
  ["ab+2a+5b+10", "(a+5)(b+2)"],
  ["-x^4+x^5+x^3-x^2+x-1", "x^5 - x^4 + x^3 - x^2 + x - 1"],
  ["\\frac{9a+11}{20}", "\\frac{11+9a}{20}"],
  ["y=2x+3", "y = 2x + 3"],
  ["2x+3", "y = 2x + 3"],
  ["-5x+7y-11z-4=0", "5x - 7y + 11z + 4 = 0"],
  ["52_8", "52_8"],
  ["4210_5", "4210_{5}"],
  ["Evelyn", "\\text{Evelyn}"],
  ["\\text{evelyn}", "\\text{Evelyn}"],
  ["(C)", "\\text{(C)}"],
  ["C", "\\text{(C)}"],
  ["\\textbf{(E)}", "\\text{(E)}"],
  ["1\\frac{4}{5}", "\\frac95"],
  ["137\\frac12", "137 \\frac{1}{2}"],
  ["137.5", "137 \\frac{1}{2}"],
  ["\\cot x", "\\cot x"],
  ["\\cot(x)", "\\cot x"],
  ["0.0000672", ".0000672"],
  ["6.72\\times 10^{-5}", ".0000672"],
  ["\\frac{20000}{\\pi}", "\\frac{20000}{\\pi}"],
  ["\\$32,348", "\\$32,\\!348"],
  ["\\boxed{5}".slice(7, 8), "5"],
  ["1.25", "\\frac54"],
  ["\\frac{5}{4}", "1.25"],
  ["\\cfrac{5}{4}", "\\frac54"],
  ["x \\leq 5", "x\\le 5"],
  ["\\varnothing", "\\emptyset"],
  ["$\\{1, 2\\}$", "\\left\\{ 2, 1 \\right\\}"],
  ["x=1 \\text{ or } x=-2", "1,-2"],
  ["{x=5}", "5"],
];

// clearly different answers that a permissive grader would accept
const DIFFERENT: [string, string][] = [
  ["2", "3"],
  ["-2", "2"],
  ["0.333", "\\frac{1}{3}"],
  ["3.14159", "\\pi"],
  ["\\frac{1}{2}", "\\frac{1}{3}"],
  ["1000", "100"],
  ["1,000", "1"],
  ["(3,4)", "(3,4]"],
  ["[3,4]", "(3,4)"],
  ["(4,3)", "(3,4)"],
  ["(1,2,3)", "(1,2)"],
  ["1,2", "(1,2)"],
  ["1, 2, 4", "1, 2, 3"],
  ["1+\\sqrt{19}", "1 \\pm \\sqrt{19}"],
  ["(0,9)\\cup(9,36)", "(0,36)"],
  ["\\sqrt{2}", "2"],
  ["2\\sqrt{3}", "3\\sqrt{2}"],
  ["x^2", "x"],
  ["2k", "2k+2"],
  ["2x+3", "2y+3"],
  ["5x-7y+11z+4=0", "5x-7y+11z-4=0"],
  ["6+5i", "6-5i"],
  ["52_8", "52"],
  ["52_8", "52_9"],
  ["east", "west"],
  ["east", "seat"],
  ["\\text{(B)}", "\\text{(C)}"],
  ["\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}"],
  ["\\begin{pmatrix} 1 & 2 \\end{pmatrix}", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}"],
  ["90", "45^\\circ"],
  ["\\frac{1}{2}\\pi", "\\frac{1}{2}"],
  ["", "0"],
  ["x", "5"],
  ["\\infty", "5"],
  ["5 \\le x", "5"],
];

describe("isEquivalent", () => {
  it.each(EQUAL)("accepts %j for gold %j", (pred, gold) => {
    expect(isEquivalent(pred, gold)).toBe(true);
  });
  it.each(DIFFERENT)("rejects %j for gold %j", (pred, gold) => {
    expect(isEquivalent(pred, gold)).toBe(false);
  });
  it("grades a missing answer wrong", () => {
    expect(isEquivalent(null, "5")).toBe(false);
    expect(isEquivalent(undefined, "5")).toBe(false);
  });
  it("is symmetric on the table", () => {
    for (const [a, b] of EQUAL) expect(isEquivalent(b, a), `${b} vs ${a}`).toBe(true);
    for (const [a, b] of DIFFERENT) if (a) expect(isEquivalent(b, a), `${b} vs ${a}`).toBe(false);
  });
});

describe("canonicalAnswer", () => {
  it("groups equivalent answers under one key", () => {
    const groups: string[][] = [
      ["\\frac12", "0.5", "1/2", "\\dfrac{1}{2}", "50\\%".replace("50\\%", "0.50")],
      ["1,000", "1000", "\\$1,000", "1000.0"],
      ["3, 5, 7", "7,5,3", "\\{3,5,7\\}"],
      ["1\\pm\\sqrt{19}", "1-\\sqrt{19}, 1+\\sqrt{19}"],
      ["\\text{Evelyn}", "evelyn"],
      ["30^\\circ", "30"],
    ];
    for (const g of groups) {
      const keys = new Set(g.map(canonicalAnswer));
      expect([...keys], JSON.stringify(g)).toHaveLength(1);
    }
  });
  it("keeps different answers apart", () => {
    const answers = ["\\frac12", "\\frac13", "(1,2)", "(2,1)", "[1,2]", "2", "-2", "x+1", "east"];
    expect(new Set(answers.map(canonicalAnswer)).size).toBe(answers.length);
  });
});
