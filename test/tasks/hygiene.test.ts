import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { assertDisjoint } from "../../src/tasks/hygiene.js";
import { getTask } from "../../src/tasks/registry.js";
import type { Question } from "../../src/tasks/types.js";

const q = (task: string, split: "train" | "test", id: string, text = id): Question => ({ task, split, id, text, gold: "1" });

describe("assertDisjoint", () => {
  it("passes disjoint splits", async () => {
    expect(() => assertDisjoint([q("gsm8k", "train", "gsm8k-train-0")], [q("gsm8k", "test", "gsm8k-test-0")])).not.toThrow();
    const a = getTask("arithmetic");
    expect(() => assertDisjoint([], [])).not.toThrow();
    const [train, test] = await Promise.all([a.questions("train"), a.questions("test")]);
    expect(() => assertDisjoint(train, test)).not.toThrow();
  });

  it("refuses shared ids, naming the first few and the count", () => {
    const test = Array.from({ length: 8 }, (_, i) => q("math", "test", `test/algebra/${i}.json`));
    const train = test.map((x) => ({ ...x, split: "train" as const }));
    let err: unknown;
    try {
      assertDisjoint(train, test);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^train and test splits overlap: 8 question\(s\)/);
    expect(msg).toContain("math:test/algebra/0.json");
    expect(msg).toContain("and 3 more");
  });

  it("refuses an arithmetic expression present in both splits under different ids", () => {
    expect(() =>
      assertDisjoint([q("arithmetic", "train", "arith-train-3", "1+2*3+4-5*6")], [q("arithmetic", "test", "arith-test-9", "1+2*3+4-5*6")]),
    ).toThrow(/arithmetic:arith-train-3 = arithmetic:arith-test-9 \(same text: "1\+2\*3\+4-5\*6"\)/);
  });

  it("refuses a test question passed as training data", () => {
    expect(() => assertDisjoint([q("gsm8k", "test", "gsm8k-test-1")], [])).toThrow(/a test question in the train set/);
  });
});

describe("assertDisjoint on real data", () => {
  it("accepts GSM8K train vs test, and refuses a user train file holding a MATH-500 problem", async () => {
    const g = getTask("gsm8k");
    const [train, test] = await Promise.all([g.questions("train"), g.questions("test")]);
    expect(() => assertDisjoint(train, test)).not.toThrow();
    const m = getTask("math");
    const mathTest = await m.questions("test");
    const leaked = { ...mathTest[3]!, split: "train" as const, id: "math-train-0", text: `  ${mathTest[3]!.text}\n` };
    expect(() => assertDisjoint([leaked], mathTest)).toThrow(/math:math-train-0 = math:test\/.*same text/);
  });
});
