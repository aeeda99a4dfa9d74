import { describe, expect, it } from "vitest";
import { createXoshiro128Rng } from "../../../src/util/rng.js";
import { ORDER_NAMES, ORDER_TAGS, orderOf, operandsOf, solution, slipSolution } from "../../../src/models/tiny/solutions.js";
import { generateArithmetic } from "../../../src/tasks/arithmetic.js";
import { extractAnswer } from "../../../src/tasks/extract.js";

const questions = generateArithmetic("train", 5, 400, 5);
const steps = (text: string) => text.split(" ").slice(0, -1);
/** Checks every step `x op y = v` of a compact solution is right arithmetic. */
const stepsRight = (text: string) =>
  steps(text).every((st) => {
    const m = /^(-?\d+)([+*-])(\d+)=(-?\d+)$/.exec(st);
    if (!m) return false;
    const [x, y, v] = [Number(m[1]), Number(m[3]), Number(m[4])];
    return (m[2] === "+" ? x + y : m[2] === "-" ? x - y : x * y) === v;
  });

describe("tiny solution orders", () => {
  it("every order is five right steps ending in the gold answer, and names itself", () => {
    let ambiguous = 0;
    for (const q of questions) {
      const o = operandsOf(q);
      const texts = ORDER_NAMES.map((n) => solution(o, n));
      for (const [i, t] of texts.entries()) {
        expect(extractAnswer(t)).toEqual({ answer: q.gold, status: "boxed" });
        expect(steps(t)).toHaveLength(5);
        expect(stepsRight(t), t).toBe(true);
        const named = orderOf(t, o);
        expect([ORDER_NAMES[i], null], t).toContain(named);
        if (named === null) ambiguous++;
      }
    }
    expect(ambiguous / (questions.length * ORDER_NAMES.length)).toBeLessThan(0.1);
  });

  it("the orders compute different intermediate values (different facts), not the same chain reordered", () => {
    let distinctThird = 0;
    for (const q of questions) {
      const o = operandsOf(q);
      const thirds = new Set(ORDER_NAMES.map((n) => steps(solution(o, n))[2]));
      if (thirds.size === ORDER_NAMES.length) distinctThird++;
    }
    expect(distinctThird / questions.length).toBeGreaterThan(0.8);
  });

  it("a slip is one wrong step with right arithmetic after it, the final answer wrong, the order still readable", () => {
    const rng = createXoshiro128Rng(3);
    for (const q of questions) {
      const o = operandsOf(q);
      for (const n of ORDER_NAMES) {
        const w = slipSolution(o, rng, n);
        expect(extractAnswer(w).answer).not.toBe(q.gold);
        const bad = steps(w).filter((st) => !stepsRight(`${st} \\boxed{0}`));
        expect(bad, w).toHaveLength(1);
        expect([n, null], w).toContain(orderOf(w, o));
      }
    }
  });

  it("writes the addition of a negative as a subtraction", () => {
    const o = operandsOf({ text: "1+4*0+2-3*2" });
    expect(solution(o, "difference")).toBe("4*0=0 3*2=6 0-6=-6 1-6=-5 -5+2=-3 \\boxed{-3}");
    expect(solution(o, "minus-first")).toBe("4*0=0 3*2=6 2-6=-4 -4+0=-4 -4+1=-3 \\boxed{-3}");
  });

  it("tagged: a solution opens with its order's tag, which names the order even where the steps read alike; slips keep it", () => {
    const rng = createXoshiro128Rng(4);
    for (const q of questions) {
      const o = operandsOf(q);
      for (const n of ORDER_NAMES) {
        const t = solution(o, n, { tagged: true });
        expect(t).toBe(`${ORDER_TAGS[n]} ${solution(o, n)}`);
        expect(orderOf(t, o)).toBe(n);
        expect(extractAnswer(t).answer).toBe(extractAnswer(solution(o, n)).answer);
        const w = slipSolution(o, rng, n, { tagged: true });
        expect(w.startsWith(`${ORDER_TAGS[n]} `)).toBe(true);
        expect(orderOf(w, o)).toBe(n);
      }
    }
  });
});
