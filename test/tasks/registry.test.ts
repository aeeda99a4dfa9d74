import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { selfGrade } from "../../src/tasks/check.js";
import { readdirSync } from "node:fs";
import { parseConfig } from "../../src/config/load.js";
import { getTask, TASK_NAMES, TASKS_DIR } from "../../src/tasks/registry.js";

describe("getTask", () => {
  it("knows the code task and every shipped task file, and refuses others, listing them", () => {
    expect(TASK_NAMES).toEqual(["arithmetic", "gsm8k", "math", "mmlu"]);
    expect(
      readdirSync(TASKS_DIR)
        .filter((f) => f.endsWith(".yaml"))
        .map((f) => f.replace(".yaml", ""))
        .sort(),
    ).toEqual(["gsm8k", "math", "mmlu"]);
    for (const n of TASK_NAMES) expect(getTask(n).name).toBe(n);
    expect(() => getTask("chess")).toThrow(
      new UserError('unknown task "chess"; known tasks: arithmetic, gsm8k, math, mmlu (or the path of a task file, *.yaml)'),
    );
  });

  it("the run config's task list is the registry's", () => {
    for (const n of TASK_NAMES) expect(parseConfig(`task:\n  name: ${n}\n`).task.name).toBe(n);
    expect(() => parseConfig("task:\n  name: chess\n", "c.yaml")).toThrow(
      /c\.yaml:2:9: task\.name: unknown task "chess": one of arithmetic, gsm8k, math, mmlu, or the path of a task file/,
    );
  });

  it("takes options in config (snake_case) or code (camelCase) spelling, and refuses unknown ones", async () => {
    const small = getTask("arithmetic", { max_value: 5 });
    const qs = await small.questions("test", { limit: 50 });
    expect(Math.max(...qs.flatMap((q) => q.text.split(/[+*-]/).map(Number)))).toBeLessThanOrEqual(5);
    expect(await getTask("arithmetic", { maxValue: 5 }).questions("test", { limit: 50 })).toEqual(qs);
    expect(() => getTask("arithmetic", { max_valu: 5 })).toThrow(
      /unknown option "max_valu" \(known: max_value, train_size, test_size, solution\)/,
    );
    expect(() => getTask("arithmetic", { max_value: "big" })).toThrow(/max_value must be an integer/);
    expect(() => getTask("gsm8k", { max_value: 5 })).toThrow(UserError);
  });
});

describe("gold self-grade (extractor + grader agree with the data)", () => {
  it("is 100% on GSM8K train, MMLU train and every generated arithmetic split", async () => {
    for (const [name, split] of [
      ["gsm8k", "train"],
      ["mmlu", "train"],
      ["arithmetic", "train"],
      ["arithmetic", "test"],
    ] as const) {
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
