/**
 * MAGDi and its ablations through executeRun on fakes (real SQLite file): heterogeneous teachers debate the
 * train and test splits once for all three methods; each method trains its student once, from the student's
 * own base, on the teachers' interaction graphs with its own weights; the untrained student is evaluated once
 * for all; efficiency figures are stored; a resumed run does nothing again.
 */
import type Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { reportDataFromStore } from "../../src/report/from-store.js";
import { writeReport } from "../../src/report/write.js";
import { openStore } from "../../src/store/index.js";
import { getTask } from "../../src/tasks/index.js";
import type { TrainRequest } from "../../src/training/types.js";
import { datasetsOf, fakeConfig, metric, runFake, STUDENT, tagOf, turnsOf, type FakeRun, useFakeRun } from "./fixtures/fake-run.js";

const TEACHERS = [{ base: "teachers/a.gguf" }, { base: "teachers/b.gguf" }, { base: "society", backend: "openai#x" }];
const config = fakeConfig({
  methods: ["magdi", "magdi-nt", "magdi-nt-mr", "base", "majority", "debate"],
  agents: 3,
  rounds: 3,
  iterations: 1,
  task: { name: "arithmetic", options: { maxValue: 9 }, train: { limit: 6 }, test: { limit: 5 } },
  magdi: { self_consistency: 3, beta: 0.5 },
});
const task = getTask("arithmetic", {});
let run: FakeRun;
let db: Database.Database;

useFakeRun(config, (r, d) => ((run = r), (db = d)), { agentModels: TEACHERS });

const requestOf = (method: string): TrainRequest => {
  const r = run.trainer.requests.filter((q) => q.outPath.includes(`/models/${method}/`));
  expect(r).toHaveLength(1);
  return r[0]!;
};

it("the teachers — each agent its own model — debate each split once, shared by every method", () => {
  for (const phase of ["train", "test"] as const) {
    const turns = turnsOf(db, "base", 0, phase);
    expect(turns).toHaveLength(config.task[phase].limit! * 3 * 3);
    for (const t of turns)
      expect(tagOf(t.completion) ?? "unsure").toMatch(
        t.agentIndex === 0 ? /^teachers\/a$|unsure/ : t.agentIndex === 1 ? /^teachers\/b$|unsure/ : /^\.\/society$|unsure/,
      );
  }
  const routed = run.backend.generated.filter((g) => g.model.base === "society");
  expect(routed.length).toBeGreaterThan(0);
  expect(routed.every((g) => g.model.backend === "openai#x")).toBe(true);
  expect(db.prepare("select count(*) n from debates where phase = 'train'").get()).toEqual({ n: 6 });
});

describe.each([
  ["magdi", { alpha: 1, beta: 0.5, gamma: 0.1 }],
  ["magdi-nt", { alpha: 1, beta: 0, gamma: 0 }],
  ["magdi-nt-mr", { alpha: 1, beta: 0, gamma: 0.1 }],
] as const)("%s", (method, weights) => {
  it("trains the student once, from its own base, on one graph per train question with the method's weights", () => {
    const r = requestOf(method);
    expect(r.baseModelPath).toBe(STUDENT);
    expect(r.initAdapterPath).toBeUndefined();
    expect(r.objective).toEqual({ kind: "magdi", ...weights, margin: 1, gcnHidden: 512, gcnDropout: 0.5 });
    expect(r.examples).toBeUndefined();
    const turns = turnsOf(db, "base", 0, "train");
    expect(r.graphs).toHaveLength(6);
    for (const g of r.graphs!) {
      expect(g.nodes).toHaveLength(9);
      expect(g.edges).toHaveLength(2 * 9);
      const q = /What is (\S+)\?/.exec(g.nodes[0]!.messages[0]!.content)![1]!;
      for (const [k, n] of g.nodes.entries()) {
        // The student's prompt is the question alone, for every node; the reply is the node's response.
        expect(n.messages).toHaveLength(2);
        expect(n.messages[0]!.content).toBe(`What is ${q}? Answer in \\boxed{}.`);
        const t = turns.find((x) => x.agentIndex === Math.floor(k / 3) && x.round === (k % 3) + 1 && x.prompt.includes(`What is ${q}?`))!;
        expect(n.messages[1]!.content).toBe(t.completion);
        expect(n.label).toBe(task.grade(t.parsedAnswer, t.gold) ? "correct" : "incorrect");
      }
    }
    const [set] = datasetsOf(db, method);
    expect(set!.kind).toBe("magdi");
    expect(set!.rows.map((x) => x.messages)).toEqual(
      r.graphs!.flatMap((g) => g.nodes.filter((n) => n.label === "correct").map((n) => n.messages)),
    );
  });

  it("evaluates the untrained student (shared) and the distilled one alone: k samples, one round, vote and costs stored", () => {
    const before = turnsOf(db, "magdi-student", 0, "test");
    expect(before).toHaveLength(5 * 3);
    expect(new Set(before.map((t) => t.round))).toEqual(new Set([1]));
    expect(new Set(before.map((t) => tagOf(t.completion)).filter(Boolean))).toEqual(new Set(["students/fake-student"]));
    const after = turnsOf(db, method, 1, "test");
    expect(after).toHaveLength(5 * 3);
    expect(new Set(after.map((t) => tagOf(t.completion)).filter(Boolean))).toEqual(new Set([`${method}/student-it1`]));
    for (const l of [0, 1]) {
      expect(metric(db, method, l, "accuracy")).toBeTypeOf("number");
      expect(metric(db, method, l, "sc_k")).toBe(3);
      expect(metric(db, method, l, "sc_accuracy")).toBeTypeOf("number");
      expect(metric(db, method, l, "tokens_per_question")).toBeGreaterThan(0);
    }
    // Single-sample accuracy is the mean over the k samples.
    const right = after.filter((t) => task.grade(t.parsedAnswer, t.gold)).length;
    expect(metric(db, method, 1, "accuracy")).toBeCloseTo(right / after.length, 10);
    const teacherTokens = db
      .prepare("select value from metrics where method = ? and scope = 'teachers' and name = 'tokens_per_question'")
      .get(method) as { value: number };
    const debateTokens = db
      .prepare(
        "select sum(t.completion_tokens) s from turns t join debates d on d.id = t.debate_id where d.method = 'base' and d.phase = 'test'",
      )
      .get() as { s: number };
    expect(teacherTokens.value).toBeCloseTo(debateTokens.s / 5, 10);
    expect(
      db.prepare("select value from metrics where method = ? and scope = 'teachers' and name = 'seconds_per_question'").get(method),
    ).toBeDefined();
  });
});

it("the three methods share the untrained student's samples and the teachers' debates: generated once", () => {
  const perStudent0 = run.backend.generated.filter((g) => g.model.base === STUDENT && !g.model.adapter);
  expect(perStudent0).toHaveLength(5 * 3);
  expect(metric(db, "debate", 0, "accuracy")).toBeTypeOf("number");
});

it("resumed after the end: nothing is generated or trained again", async () => {
  const again = await runFake(config, { dir: run.dir, agentModels: TEACHERS });
  expect(again.error).toBeUndefined();
  expect([again.backend.generated.length, again.trainer.requests.length]).toEqual([0, 0]);
});

it("agent_models with a method that finetunes from model.base is refused before anything runs", async () => {
  const bad = fakeConfig({ methods: ["multiagent-ft"], agents: 2, agent_models: [{ base: "a.gguf" }, { base: "b.gguf" }] });
  const r = await runFake(bad, { agentModels: [{ base: "a.gguf" }, { base: "b.gguf" }] });
  expect(r.error?.message).toMatch(
    /agent_models .* works with base, majority, debate, magdi, magdi-nt, magdi-nt-mr; multiagent-ft finetune/,
  );
  expect(r.backend.generated).toHaveLength(0);
});

it("the report compares the teachers' debate with each student, per test question, and draws the teachers' graphs", async () => {
  const store = await openStore(run.dbPath);
  const data = await reportDataFromStore(store, [run.runId]).finally(() => store.close());
  const rows = data.efficiency!;
  expect(rows.map((r) => r.who)).toEqual([
    "teachers, one agent (round 1)",
    "teachers, majority of 3 (round 1)",
    "teachers' debate (3 agents × 3 rounds)",
    "student, untrained, 1 sample",
    "student, untrained, vote of 3",
    ...["magdi", "magdi-nt", "magdi-nt-mr"].flatMap((m) => [`${m} student, 1 sample`, `${m} student, vote of 3`]),
  ]);
  expect(rows[0]!.accuracy).toBe(metric(db, "base", 0, "accuracy"));
  expect(rows[1]!.accuracy).toBe(metric(db, "majority", 0, "accuracy"));
  expect(rows[2]!.accuracy).toBe(metric(db, "debate", 0, "accuracy"));
  // Round 1 of the teachers' test debate: one agent's tokens, N agents', then every round's.
  const test = turnsOf(db, "base", 0, "test");
  const perQ = (keep: (t: (typeof test)[number]) => boolean) => test.filter(keep).reduce((a, t) => a + t.completionTokens, 0) / 5;
  expect(rows[1]!.tokens).toBeCloseTo(
    perQ((t) => t.round === 1),
    10,
  );
  expect(rows[0]!.tokens).toBeCloseTo(rows[1]!.tokens / 3, 10);
  expect(rows[2]!.tokens).toBeCloseTo(
    perQ(() => true),
    10,
  );
  expect(rows[0]!.seconds).toBeUndefined();
  expect(rows[5]!.accuracy).toBe(metric(db, "magdi", 1, "accuracy"));
  expect(rows[6]!.tokens).toBeCloseTo(3 * rows[5]!.tokens, 10);
  expect(data.graphs!.map((g) => g.source).sort()).toEqual(["base · test", "base · train"]);
  const dir = join(run.dir, "report");
  await writeReport(data, dir);
  const md = readFileSync(join(dir, "report.md"), "utf8");
  expect(md).toContain("## Efficiency: teachers' debate vs the distilled student");
  expect(md).toMatch(/\| magdi student, 1 sample \| [\d.]+ ± [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
  expect(existsSync(join(dir, "efficiency.png"))).toBe(true);
  expect(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).efficiency).toHaveLength(11);
});
