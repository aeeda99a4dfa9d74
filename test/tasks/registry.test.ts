import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { selfGrade } from "../../src/tasks/check.js";
import { getTask, TASK_NAMES } from "../../src/tasks/registry.js";

describe("getTask", () => {
  it("knows the three tasks and refuses others, listing them", () => {
    expect(TASK_NAMES).toEqual(["arithmetic", "gsm8k", "math"]);
    for (const n of TASK_NAMES) expect(getTask(n).name).toBe(n);
    expect(() => getTask("mmlu")).toThrow(new UserError('unknown task "mmlu"; known tasks: arithmetic, gsm8k, math'));
  });

  it("takes options in config (snake_case) or code (camelCase) spelling, and refuses unknown ones", async () => {
    const small = getTask("arithmetic", { max_value: 5 });
    const qs = await small.questions("test", { limit: 50 });
    expect(Math.max(...qs.flatMap((q) => q.text.split(/[+*-]/).map(Number)))).toBeLessThanOrEqual(5);
    expect(await getTask("arithmetic", { maxValue: 5 }).questions("test", { limit: 50 })).toEqual(qs);
    expect(() => getTask("arithmetic", { max_valu: 5 })).toThrow(/unknown option "max_valu" \(known: max_value, train_size, test_size\)/);
    expect(() => getTask("arithmetic", { max_value: "big" })).toThrow(/max_value must be an integer/);
    expect(() => getTask("gsm8k", { max_value: 5 })).toThrow(UserError);
  });
});

describe("gold self-grade (extractor + grader agree with the data)", () => {
  it("is 100% on GSM8K train and every generated arithmetic split", async () => {
    for (const [name, split] of [["gsm8k", "train"], ["arithmetic", "train"], ["arithmetic", "test"]] as const) {
      const t = getTask(name);
      const r = selfGrade(t, await t.questions(split));
      expect(r.failures, `${name} ${split}`).toEqual([]);
      expect(r.correct).toBe(r.total);
    }
  });

  it("is not trivially permissive: solutions graded against shuffled golds mostly fail", async () => {
    for (const name of ["math", "gsm8k", "arithmetic"] as const) {
      const t = getTask(name);
      const qs = await t.questions("test");
      const r = selfGrade(t, qs, { shuffleSeed: 1 });
      // only genuine coincidences pass (two problems with the same answer)
      expect(r.correct / r.total, name).toBeLessThan(0.03);
    }
  });
});
