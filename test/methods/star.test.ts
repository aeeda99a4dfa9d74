/**
 * STaR driven through executeRun on fakes (real SQLite file): one attempt per train question, a hinted
 * retry for exactly the wrong ones, and a training set where right answers and reached-gold rationalizations
 * appear under the plain prompt, so the hint never reaches training.
 */
import type Database from "better-sqlite3";
import { expect, it } from "vitest";
import { getTask } from "../../src/tasks/index.js";
import { datasetsOf, fakeConfig, metric, modelTag, tagOf, turnsOf, versionsOf, type FakeRun, useFakeRun } from "./fixtures/fake-run.js";

const config = fakeConfig({
  methods: ["star"],
  task: { name: "arithmetic", options: { maxValue: 9 }, train: { limit: 10 }, test: { limit: 4 } },
});
const task = getTask("arithmetic", {});

let run: FakeRun;
let db: Database.Database;

useFakeRun(config, (r, d) => ((run = r), (db = d)));

const modelAt = (l: number) => {
  const v = versionsOf(db, "star").find((x) => x.iteration === l)!;
  return v.kind === "lora" ? modelTag({ base: "fake-base.gguf", adapter: v.path! }) : "base";
};

it("attempts every train question once with the current model, and retries with the hint exactly the wrong ones", () => {
  for (let l = 1; l <= config.iterations; l++) {
    const attempts = turnsOf(db, "star", l - 1, "train");
    expect(attempts).toHaveLength(config.task.train.limit!);
    expect(new Set(attempts.map((t) => t.round))).toEqual(new Set([1]));
    for (const t of attempts) if (tagOf(t.completion)) expect(tagOf(t.completion)).toBe(modelAt(l - 1));
    const wrong = attempts.filter((t) => !task.grade(t.parsedAnswer, t.gold));
    expect(wrong.length).toBeGreaterThan(0);
    const hints = turnsOf(db, "star-hint", l - 1, "train");
    expect(hints.map((t) => t.qid).sort()).toEqual(wrong.map((t) => t.qid).sort());
    for (const h of hints) expect(h.prompt).toContain(`(The answer is ${h.gold}.)`);
  }
});

it("trains on right attempts and gold-reaching rationalizations, under the plain prompt", () => {
  let rationalized = 0;
  for (let l = 1; l <= config.iterations; l++) {
    const attempts = new Map(turnsOf(db, "star", l - 1, "train").map((t) => [t.qid, t]));
    const hints = new Map(turnsOf(db, "star-hint", l - 1, "train").map((t) => [t.qid, t]));
    const want = [...attempts.values()].flatMap((a) => {
      if (task.grade(a.parsedAnswer, a.gold)) return [{ id: a.id, prompt: a.prompt, completion: a.completion }];
      const h = hints.get(a.qid);
      return h && task.grade(h.parsedAnswer, h.gold) ? [{ id: h.id, prompt: a.prompt, completion: h.completion }] : [];
    });
    rationalized += want.filter((w) => [...hints.values()].some((h) => h.id === w.id)).length;
    const [set] = datasetsOf(db, "star").filter((s) => s.iteration === l);
    expect(set!.kind).toBe("star");
    expect(
      set!.rows
        .map((r) => r.sourceTurnIds)
        .flat()
        .sort(),
    ).toEqual(want.map((w) => w.id).sort());
    for (const r of set!.rows) {
      const w = want.find((x) => x.id === r.sourceTurnIds[0])!;
      expect(r.messages).toEqual([...JSON.parse(w.prompt), { role: "assistant", content: w.completion }]);
      expect(JSON.stringify(r.messages)).not.toContain("The answer is");
    }
    const req = run.trainer.requests.filter((x) => x.outPath.endsWith(`/models/star/single0-it${l}.gguf`));
    expect(req).toHaveLength(1);
    expect(req[0]!.examples).toEqual(set!.rows.map((r) => ({ messages: r.messages })));
  }
  expect(rationalized).toBeGreaterThan(0);
});

it("is evaluated like every method: N copies of its model debating the test split", () => {
  for (let l = 0; l <= config.iterations; l++) {
    const turns = turnsOf(db, l === 0 ? "base" : "star", l, "test");
    expect(new Set(turns.map((t) => t.qid)).size).toBe(config.task.test.limit);
    expect(new Set(turns.map((t) => tagOf(t.completion)).filter((t) => t !== null))).toEqual(new Set([modelAt(l)]));
    const finals = new Map(turns.map((t) => [t.qid, task.grade(t.finalAnswer, t.gold)]));
    expect(metric(db, "star", l, "accuracy")).toBeCloseTo([...finals.values()].filter(Boolean).length / finals.size, 12);
  }
});
