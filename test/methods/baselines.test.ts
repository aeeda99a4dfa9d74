/**
 * The untrained baselines (base, majority, debate) driven through executeRun on fakes (real SQLite file):
 * all three read one shared base debate on the test split, train nothing, and report the accuracy their
 * definitions name.
 */
import type Database from "better-sqlite3";
import { expect, it } from "vitest";
import { plurality } from "../../src/methods/steps/evaluate.js";
import { getTask } from "../../src/tasks/index.js";
import { fakeConfig, metric, tagOf, turnsOf, type FakeRun, useFakeRun } from "./fixtures/fake-run.js";

const config = fakeConfig({
  methods: ["base", "majority", "debate"],
  task: { name: "arithmetic", options: { maxValue: 9 }, train: { limit: 6 }, test: { limit: 12 } },
});
const task = getTask("arithmetic", {});

let run: FakeRun;
let db: Database.Database;

useFakeRun(config, (r, d) => ((run = r), (db = d)));

it("debate the test split once, with the base model, and train nothing", () => {
  const debates = db.prepare("select method, iteration, phase, count(*) n from debates group by 1, 2, 3").all();
  expect(debates).toEqual([{ method: "base", iteration: 0, phase: "test", n: config.task.test.limit }]);
  const turns = turnsOf(db, "base", 0, "test");
  expect(turns).toHaveLength(config.task.test.limit! * config.agents * config.rounds);
  expect(run.backend.generated).toHaveLength(turns.length);
  expect(new Set(turns.map((t) => tagOf(t.completion)).filter((t) => t !== null))).toEqual(new Set(["base"]));
  expect(run.trainer.requests).toEqual([]);
  expect(db.prepare("select count(*) n from datasets").get()).toEqual({ n: 0 });
});

it("report single-agent, round-1 majority and final-vote accuracy of that one debate", () => {
  const debates = new Map<string, { gold: string; final: string | null; first: (string | null)[] }>();
  for (const t of turnsOf(db, "base", 0, "test")) {
    const d = debates.get(t.debateId) ?? { gold: t.gold, final: t.finalAnswer, first: [] };
    debates.set(t.debateId, d);
    if (t.round === 1) d.first[t.agentIndex] = t.parsedAnswer === null ? null : task.canonical(t.parsedAnswer);
  }
  const mean = (xs: boolean[]) => xs.filter(Boolean).length / xs.length;
  const ds = [...debates.values()];
  const want = {
    base: mean(ds.flatMap((d) => d.first.map((a) => task.grade(a, d.gold)))),
    majority: mean(ds.map((d) => task.grade(plurality(d.first), d.gold))),
    debate: mean(ds.map((d) => task.grade(d.final, d.gold))),
  };
  // The three must differ here, or a mix-up between them could pass.
  expect(new Set(Object.values(want)).size).toBe(3);
  for (const [method, value] of Object.entries(want)) {
    expect(metric(db, method, 0, "accuracy"), method).toBeCloseTo(value, 12);
    expect(metric(db, method, 0, "accuracy_stderr"), method).toBeCloseTo(Math.sqrt((value * (1 - value)) / ds.length), 12);
  }
});

it("log the accuracy each baseline stores (and reports), naming the final vote beside it", () => {
  for (const method of ["base", "majority", "debate"]) {
    const line = run.log.find((l) => l.startsWith(`${method} iteration 0: accuracy`));
    expect(line, method).toBeDefined();
    expect(line).toContain(
      `accuracy ${(100 * metric(db, method, 0, "accuracy")!).toFixed(1)}% ± ${(100 * metric(db, method, 0, "accuracy_stderr")!).toFixed(1)} (`,
    );
  }
  expect(run.log.find((l) => l.startsWith("base iteration 0:"))).toContain(
    `final vote ${(100 * metric(db, "debate", 0, "accuracy")!).toFixed(1)}%`,
  );
});
