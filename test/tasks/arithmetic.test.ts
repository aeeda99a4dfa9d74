import { describe, expect, it } from "vitest";
import { arithmeticSolution, arithmeticTask, generateArithmetic, splitOfExpression } from "../../src/tasks/arithmetic.js";
import { assertDisjoint } from "../../src/tasks/hygiene.js";

describe("arithmetic task", () => {
  it("generates a+b*c+d-e*f within the range, gold = its value", async () => {
    const qs = await arithmeticTask().questions("train", { limit: 200 });
    expect(qs).toHaveLength(200);
    for (const q of qs) {
      const m = /^(\d+)\+(\d+)\*(\d+)\+(\d+)-(\d+)\*(\d+)$/.exec(q.text)!;
      expect(m, q.text).not.toBeNull();
      const [a, b, c, d, e, f] = m.slice(1).map(Number) as number[];
      for (const v of [a, b, c, d, e, f]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(30);
      }
      expect(q.gold).toBe(String(a! + b! * c! + d! - e! * f!));
      expect(q.id).toMatch(/^arith-train-\d+$/);
    }
    expect(new Set(qs.map((q) => q.text)).size).toBe(200); // no repeats within a split
    expect(qs.some((q) => Number(q.gold) < 0)).toBe(true);
  });

  it("is deterministic per seed; offset/limit pick the same items", async () => {
    const t = arithmeticTask();
    const a = await t.questions("test", { seed: 7, limit: 50 });
    const b = await t.questions("test", { seed: 7, limit: 50 });
    const c = await t.questions("test", { seed: 8, limit: 50 });
    expect(b).toEqual(a);
    expect(c.map((q) => q.text)).not.toEqual(a.map((q) => q.text));
    const slice = await t.questions("test", { seed: 7, offset: 10, limit: 5 });
    expect(slice).toEqual(a.slice(10, 15));
    expect(await t.questions("test")).toHaveLength(500);
  });

  it("generates from the run's seed when no seed is given (each seed of a run asks its own questions)", async () => {
    const t = arithmeticTask();
    const run7 = await t.questions("test", { runSeed: 7, limit: 20 });
    expect(run7).toEqual(await t.questions("test", { seed: 7, limit: 20 }));
    expect(run7.map((q) => q.text)).not.toEqual((await t.questions("test", { runSeed: 8, limit: 20 })).map((q) => q.text));
    // An explicit seed wins over the run's.
    expect(await t.questions("test", { seed: 8, runSeed: 7, limit: 20 })).toEqual(await t.questions("test", { seed: 8, limit: 20 }));
  });

  it("keeps train and test disjoint by construction, across seeds and ranges", async () => {
    for (const maxValue of [30, 3]) {
      const t = arithmeticTask({ maxValue });
      const train = await t.questions("train", { seed: 1, limit: 400 });
      const test = await t.questions("test", { seed: 2, limit: 400 });
      expect(() => assertDisjoint(train, test)).not.toThrow();
      const trainTexts = new Set(train.map((q) => q.text));
      expect(test.filter((q) => trainTexts.has(q.text))).toEqual([]);
      for (const q of train) expect(splitOfExpression(q.text)).toBe("train");
      for (const q of test) expect(splitOfExpression(q.text)).toBe("test");
    }
  });

  it("refuses more distinct questions than a small range has", () => {
    expect(() => generateArithmetic("train", 0, 100, 1)).toThrow(/max_value=1/);
  });

  it("writes a worked solution that its own grader accepts", async () => {
    const t = arithmeticTask();
    for (const q of await t.questions("test", { limit: 100 })) {
      const sol = arithmeticSolution(q);
      expect(sol.endsWith(`\\boxed{${q.gold}}.`)).toBe(true);
      expect(t.grade(t.extract(sol).answer, q.gold)).toBe(true);
    }
    const q = { task: "arithmetic", split: "test" as const, id: "x", text: "3+4*5+6-7*8", gold: "-27" };
    expect(arithmeticSolution(q)).toBe("4*5=20, 7*8=56, so 3+4*5+6-7*8 = 3+20+6-56 = 23+6-56 = 29-56 = -27. The answer is \\boxed{-27}.");
  });

  it('solution "compact": the gold solution in the tiny model\'s one-operation-per-step form, still graded right', async () => {
    const t = arithmeticTask({ solution: "compact" });
    for (const q of await t.questions("train", { limit: 50 })) expect(t.grade(t.extract(t.goldSolution(q)).answer, q.gold)).toBe(true);
    const q = { task: "arithmetic", split: "test" as const, id: "x", text: "3+4*5+6-7*8", gold: "-27" };
    expect(t.goldSolution(q)).toBe("4*5=20 7*8=56 3+20=23 23+6=29 29-56=-27 \\boxed{-27}");
    expect(arithmeticTask().goldSolution(q)).toBe(arithmeticSolution(q));
    expect(() => arithmeticTask({ solution: "long" as never })).toThrow(/option solution must be "worked" or "compact"/);
  });

  it("grades model-like answers; unparsed is wrong", () => {
    const t = arithmeticTask();
    expect(t.grade(t.extract("So the result is -27").answer, "-27")).toBe(true);
    expect(t.grade(t.extract("3+4*5+6-7*8 = -27").answer, "-27")).toBe(true);
    expect(t.grade(t.extract("\\boxed{27}").answer, "-27")).toBe(false);
    const none = t.extract("no idea");
    expect(none).toEqual({ answer: null, status: "unparsed" });
    expect(t.grade(none.answer, "-27")).toBe(false);
    expect(t.promptVars({ task: "arithmetic", split: "test", id: "x", text: "1+2*3+4-5*6", gold: "-19" })).toEqual({
      question: "1+2*3+4-5*6",
    });
  });
});
