/**
 * The example task files of eval/tasks/examples/ (MATH train levels 1–3, CommonsenseQA) over a loopback
 * Hub laid out like the real data sets: the same configs, splits, columns and nested Parquet types.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selfGrade } from "../../../src/tasks/check.js";
import { getTask } from "../../../src/tasks/registry.js";
import { hubParquetRepo } from "../../support/hub-parquet-repo.js";
import { startLoopbackHub, type LoopbackHub } from "../../support/loopback-hub.js";

const examples = resolve(import.meta.dirname, "../../../eval/tasks/examples");
const SUBJECTS = ["algebra", "counting_and_probability", "geometry", "intermediate_algebra", "number_theory", "prealgebra", "precalculus"];

function mathParquet(subject: string): Buffer {
  const levels = ["Level 1", "Level 3", "Level 5"];
  return Buffer.from(
    parquetWriteBuffer({
      columnData: [
        { name: "problem", data: levels.map((l) => `${subject} problem at ${l}`), type: "STRING" },
        { name: "level", data: levels, type: "STRING" },
        { name: "type", data: levels.map(() => subject), type: "STRING" },
        { name: "solution", data: levels.map((_, i) => `Work... so the answer is $\\boxed{\\frac{${i + 1}}{2}}$.`), type: "STRING" },
      ],
    }),
  );
}

function csqaParquet(n: number, withAnswers: boolean): Buffer {
  const rows = Array.from({ length: n }, (_, i) => ({
    id: `q${i}-${withAnswers ? "a" : "b"}`,
    question: `Where would you put thing ${i}?`,
    question_concept: "thing",
    choices: { label: ["A", "B", "C", "D", "E"], text: ["box", "shelf", "car", "bag", "room"] },
    answerKey: withAnswers ? "ABCDE"[i % 5]! : "",
  }));
  return Buffer.from(
    parquetWriteBuffer({
      columnData: [
        { name: "id", data: rows.map((r) => r.id), type: "STRING" },
        { name: "question", data: rows.map((r) => r.question), type: "STRING" },
        { name: "question_concept", data: rows.map((r) => r.question_concept), type: "STRING" },
        { name: "choices", data: rows.map((r) => r.choices) },
        { name: "answerKey", data: rows.map((r) => r.answerKey), type: "STRING" },
      ],
    }),
  );
}

let hub: LoopbackHub;
beforeAll(async () => {
  hub = await startLoopbackHub([
    hubParquetRepo(
      "EleutherAI/hendrycks_math",
      Object.fromEntries(SUBJECTS.map((s) => [s, { dir: s, splits: { train: mathParquet(s), test: mathParquet(`${s}-test`) } }])),
    ),
    hubParquetRepo("tau/commonsense_qa", {
      default: { dir: "data", splits: { train: csqaParquet(7, true), validation: csqaParquet(3, true), test: csqaParquet(2, false) } },
    }),
  ]);
  process.env.HF_ENDPOINT = hub.url;
  process.env.SOCIETY_HUB_CACHE = mkdtempSync(join(tmpdir(), "examples-cache-"));
});
afterAll(() => hub?.close());

describe("example task files over Hub-shaped data", () => {
  it("MATH train: seven subjects, levels 1–3 only, golds boxed in the solutions; tested on MATH-500", async () => {
    const t = getTask(join(examples, "math-train-l1-3.yaml"));
    const train = await t.questions("train");
    expect(train).toHaveLength(SUBJECTS.length * 2);
    expect(new Set(train.map((q) => q.meta?.level))).toEqual(new Set(["Level 1", "Level 3"]));
    expect(train[0]).toMatchObject({ gold: "\\frac{1}{2}", id: "math-l1-3-train-algebra/train-00000-of-00001-0" });
    expect(selfGrade(t, train).correct).toBe(train.length);
    expect(await t.questions("test")).toHaveLength(500);
  });

  it("CommonsenseQA: five labelled options from a nested column; validation is the test split", async () => {
    const t = getTask(join(examples, "commonsense-qa.yaml"));
    const [train, test] = [await t.questions("train"), await t.questions("test")];
    expect(train).toHaveLength(7);
    expect(test.map((q) => q.id)).toEqual(["q0-a", "q1-a", "q2-a"]);
    expect(train[1]).toMatchObject({ text: "Where would you put thing 1?\nA) box\nB) shelf\nC) car\nD) bag\nE) room", gold: "B" });
    expect(selfGrade(t, train).correct).toBe(7);
    expect(t.prompts).toBe("mmlu");
  });
});
