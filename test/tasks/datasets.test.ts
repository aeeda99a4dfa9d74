import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { assertDisjoint } from "../../src/tasks/hygiene.js";
import { getTask } from "../../src/tasks/registry.js";

const tmp = mkdtempSync(join(tmpdir(), "society-tasks-"));
const root = resolve(import.meta.dirname, "../..");

describe("gsm8k loader (real files)", () => {
  it("reads 7473 train and 1319 test questions with clean golds", async () => {
    const t = getTask("gsm8k");
    const train = await t.questions("train");
    const test = await t.questions("test");
    expect(train).toHaveLength(7473);
    expect(test).toHaveLength(1319);
    expect(test[0]).toMatchObject({ task: "gsm8k", split: "test", id: "gsm8k-test-0", gold: "18" });
    expect(test[0]!.text).toMatch(/^Janet/);
    for (const q of [...train, ...test]) expect(q.gold).toMatch(/^-?\d+(\.\d+)?$/);
    expect(test.find((q) => q.gold === "70000")).toBeDefined(); // "#### 70,000" loses its comma
    expect(t.promptVars(test[0]!)).toEqual({ question: test[0]!.text });
  });

  it("applies offset, limit and a shuffle seed", async () => {
    const t = getTask("gsm8k");
    const page = await t.questions("test", { offset: 5, limit: 3 });
    expect(page.map((q) => q.id)).toEqual(["gsm8k-test-5", "gsm8k-test-6", "gsm8k-test-7"]);
    const a = await t.questions("test", { seed: 1, limit: 10 });
    expect(await t.questions("test", { seed: 1, limit: 10 })).toEqual(a);
    expect(a.map((q) => q.id)).not.toEqual((await t.questions("test", { limit: 10 })).map((q) => q.id));
  });

  it("names file and line of a bad JSON line, and a missing ####", async () => {
    const bad = join(tmp, "bad.jsonl");
    writeFileSync(bad, '{"question":"q","answer":"#### 1"}\n{not json}\n');
    await expect(getTask("gsm8k").questions("test", { path: bad })).rejects.toThrow(new RegExp(`${bad}:2: not valid JSON`));
    const nohash = join(tmp, "nohash.jsonl");
    writeFileSync(nohash, '{"question":"q","answer":"#### 1"}\n\n{"question":"q","answer":"1"}\n');
    const err = await getTask("gsm8k")
      .questions("test", { path: nohash })
      .catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/nohash\.jsonl:3: gold: no hash answer in "answer"/);
    await expect(getTask("gsm8k").questions("test", { path: join(tmp, "missing.jsonl") })).rejects.toThrow(UserError);
  });
});

describe("math loader (real MATH-500)", () => {
  it("reads 500 test problems keyed by unique_id", async () => {
    const t = getTask("math");
    const qs = await t.questions("test");
    expect(qs).toHaveLength(500);
    expect(qs[0]).toMatchObject({
      task: "math",
      split: "test",
      id: "test/precalculus/807.json",
      gold: "\\left( 3, \\frac{\\pi}{2} \\right)",
    });
    expect(qs[0]!.meta).toMatchObject({ subject: "Precalculus", level: 2, file: "data/math500/test.jsonl", line: 1 });
    expect(new Set(qs.map((q) => q.id)).size).toBe(500);
  });

  it("has no default train split, but reads one from a path", async () => {
    const t = getTask("math");
    await expect(t.questions("train")).rejects.toThrow(/task math: no train split .*give a file for it/);
    const file = join(tmp, "math-train.jsonl");
    writeFileSync(file, JSON.stringify({ problem: "1+1?", solution: "It is $\\boxed{2}$." }) + "\n");
    const qs = await t.questions("train", { path: file });
    expect(qs).toEqual([expect.objectContaining({ id: "math-train-0", gold: "2", split: "train" })]);
  });

  it("grades model-like answers against MATH golds", () => {
    const t = getTask("math");
    expect(t.grade(t.extract("so $x = \\boxed{\\dfrac{14}{3}}$").answer, "\\frac{14}{3}")).toBe(true);
    expect(t.grade(t.extract("The angle is $\\boxed{90^{\\circ}}$.").answer, "90^\\circ")).toBe(true);
    expect(t.grade(t.extract("The answer is 4.67").answer, "\\frac{14}{3}")).toBe(false);
    expect(t.grade(t.extract("I cannot solve this.").answer, "\\frac{14}{3}")).toBe(false);
    expect(t.canonical("\\dfrac{1}{2}")).toBe(t.canonical("0.5"));
  });
});

describe("mmlu (shipped CSV, 57 subjects)", () => {
  it("reads 14,042 test and 1,503 train questions with letter golds, per subject or all", async () => {
    const t = getTask("mmlu");
    const test = await t.questions("test");
    const train = await t.questions("train");
    expect(test).toHaveLength(14042);
    // MMLU's validation split (1,531) repeats 28 test questions word for word: dropped from train.
    expect(train).toHaveLength(1503);
    expect(new Set(test.map((q) => q.meta?.subset)).size).toBe(57);
    expect(new Set(test.map((q) => q.id)).size).toBe(14042);
    for (const q of test) expect(q.gold).toMatch(/^[ABCD]$/);
    expect(test[0]).toMatchObject({
      id: "mmlu-test-abstract_algebra-0",
      gold: "B",
      text: "Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.\nA) 0\nB) 4\nC) 2\nD) 6",
    });
    const anatomy = await getTask("mmlu", { subset: "anatomy" }).questions("test");
    expect(anatomy).toHaveLength(135);
    expect(anatomy.every((q) => q.meta?.subset === "anatomy")).toBe(true);
    expect(await getTask("mmlu", { subset: ["anatomy", "virology"] }).questions("test")).toHaveLength(135 + 166);
  });

  it("a train file of one's own in MMLU's layout reads like MMLU's; one holding a test question is refused", async () => {
    const t = getTask("mmlu");
    const test = await t.questions("test", { limit: 3 });
    const file = join(tmp, "my_mmlu_train.csv");
    writeFileSync(file, '"What is 2+2?",3,4,5,6,B\n');
    const mine = await t.questions("train", { path: file });
    expect(mine.map((q) => [q.id, q.gold, q.text])).toEqual([["mmlu-train-0", "B", "What is 2+2?\nA) 3\nB) 4\nC) 5\nD) 6"]]);
    const row = readFileSync(join(root, "data/mmlu/test/abstract_algebra_test.csv"), "utf8").split("\n")[1]!;
    writeFileSync(file, `"What is 2+2?",3,4,5,6,B\n${row}\n`);
    const leaky = await t.questions("train", { path: file });
    expect(() => assertDisjoint(leaky, test)).toThrow(
      /train and test splits overlap: 1 question\(s\): mmlu:mmlu-train-1 = mmlu:mmlu-test-abstract_algebra-1 \(same text/,
    );
  });

  it("grades option letters however a model writes them", () => {
    const t = getTask("mmlu");
    expect(t.grade(t.extract("Option (A) is wrong, so the answer is (C).").answer, "C")).toBe(true);
    expect(t.grade(t.extract("The answer is: B").answer, "B")).toBe(true);
    expect(t.grade(t.extract("$\\boxed{D}$").answer, "D")).toBe(true);
    expect(t.grade(t.extract("(B)").answer, "C")).toBe(false);
    expect(t.extract("I am not sure.").status).toBe("unparsed");
    expect(t.canonical("(b)")).toBe(t.canonical("B"));
  });
});
