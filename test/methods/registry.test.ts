/**
 * Every registered method in one run through executeRun on fakes (real SQLite file): the invariants all
 * share (only train-split turns reach a dataset, and only the agent's own; the trainer gets exactly the
 * stored rows; every iteration is evaluated), and resuming: after the end nothing runs again, and after
 * a crash mid-debate or mid-training the run ends exactly as an uninterrupted one, each turn generated once.
 */
import type Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { methodNames } from "../../src/config/schema.js";
import { METHODS } from "../../src/methods/registry.js";
import { FakeTrainer } from "../../src/training/fake.js";
import { datasetsOf, fakeConfig, metric, openDb, runFake, snapshot, type FakeRun } from "./fixtures/fake-run.js";

const all = Object.keys(METHODS) as (keyof typeof METHODS)[];
const untrained = new Set(["base", "majority", "debate"]);
const config = fakeConfig({
  methods: all as [keyof typeof METHODS, ...(keyof typeof METHODS)[]],
  iterations: 1,
  debate: { summarize: true },
});

let reference: FakeRun;
let db: Database.Database;

beforeAll(async () => {
  reference = await runFake(config);
  if (reference.error) throw reference.error;
  db = openDb(reference.dbPath);
});
afterAll(() => db?.close());

it("registers every method name the config accepts", () => {
  expect([...all].sort()).toEqual([...methodNames].sort());
});

describe.each(all)("%s", (method) => {
  it("is evaluated at every iteration, and only trained methods have datasets", () => {
    const last = untrained.has(method) ? 0 : config.iterations;
    for (let l = 0; l <= last; l++) expect(metric(db, method, l, "accuracy"), `iteration ${l}`).toBeTypeOf("number");
    expect(metric(db, method, last + 1, "accuracy")).toBeUndefined();
    expect(datasetsOf(db, method).length > 0).toBe(!untrained.has(method));
  });

  it("trains only on train-split turns of its own debates, each agent on its own", () => {
    const turn = db.prepare(
      `select q.split, d.phase, d.method, a.role, a.agent_index idx from turns t join debates d on d.id = t.debate_id
       join questions q on q.id = d.question_id join agents a on a.id = t.agent_id where t.id = ?`,
    );
    // Units a method shares or spawns: the untrained society's debates, STaR's hints, MALT's untrained trees.
    const shared: Record<string, string[]> = { star: ["star-hint"], malt: ["malt-base"], "malt-sft-only": ["malt-base"] };
    const own = new Set([method, "base", ...(shared[method] ?? [])]);
    for (const s of datasetsOf(db, method)) {
      for (const r of s.rows) {
        for (const id of r.sourceTurnIds) {
          const t = turn.get(id) as { split: string; phase: string; method: string; role: string; idx: number };
          expect(t, `turn ${id}`).toMatchObject({ split: "train", phase: "train" });
          expect(own.has(t.method), t.method).toBe(true);
          if (s.role !== "single") expect(t.idx).toBe(s.agentIndex);
        }
      }
    }
  });

  it("hands the trainer exactly the stored rows of each set it trains on", () => {
    const jobs = db
      .prepare(
        `select j.dataset_id datasetId, v.path from training_jobs j join model_versions v on v.id = j.output_model_version_id
         join agents a on a.id = j.agent_id where a.method = ? and j.status = 'succeeded'`,
      )
      .all(method) as { datasetId: string; path: string }[];
    const sets = new Map(datasetsOf(db, method).map((s) => [s.id, s]));
    expect(jobs.length > 0).toBe(!untrained.has(method));
    for (const j of jobs) {
      const req = reference.trainer.requests.filter((r) => r.outPath === j.path);
      expect(req).toHaveLength(1);
      const set = sets.get(j.datasetId)!;
      if (set.format === "preference") {
        expect(req[0]!.pairs).toEqual(
          set.rows.map((r) => ({
            prompt: r.messages,
            chosen: r.chosen,
            rejected: r.rejected,
            refChosenLogp: r.refChosenLogp,
            refRejectedLogp: r.refRejectedLogp,
          })),
        );
      } else if (req[0]!.objective?.kind === "magdi") {
        // MAGDi trains on graphs; its stored set is their correct nodes (what the next-token term learns).
        expect(req[0]!.graphs!.flatMap((g) => g.nodes.filter((n) => n.label === "correct").map((n) => ({ messages: n.messages })))).toEqual(
          set.rows.map((r) => ({ messages: r.messages })),
        );
      } else expect(req[0]!.examples).toEqual(set.rows.map((r) => ({ messages: r.messages })));
    }
  });
});

describe("resume", () => {
  it("after the end: nothing is generated, scored, embedded or trained again, nothing changes", async () => {
    const again = await runFake(config, { dir: reference.dir });
    expect(again.error).toBeUndefined();
    expect(again.log[0]).toMatch(/^resuming run /);
    expect([
      again.backend.generated.length,
      again.backend.scored.length,
      again.embedder.embedded.length,
      again.trainer.requests.length,
    ]).toEqual([0, 0, 0, 0]);
    expect(snapshot(reference.dbPath, reference.runDir)).toEqual(snapshot(again.dbPath, again.runDir));
  });

  it("after a crash mid-debate: the same end, every stored turn generated exactly once", async () => {
    const total = reference.backend.generated.length;
    const crashed = await runFake(config, { failGenerateAt: Math.floor(total / 2) });
    expect(crashed.error?.message).toBe("fake backend: connection lost");
    const resumed = await runFake(config, { dir: crashed.dir });
    expect(resumed.error).toBeUndefined();
    expect(crashed.backend.generated.length + resumed.backend.generated.length).toBe(total);
    expect(snapshot(resumed.dbPath, resumed.runDir)).toEqual(snapshot(reference.dbPath, reference.runDir));
  });

  it("after a crash mid-training: the same end, the failed job retried once and nothing else repeated", async () => {
    const jobs = reference.trainer.requests.length;
    const crashed = await runFake(config, {
      trainer: new FakeTrainer({ fail: (_r, call) => (call === Math.ceil(jobs / 2) ? "fake trainer: out of memory" : undefined) }),
    });
    expect(crashed.error?.message).toBe("fake trainer: out of memory");
    const resumed = await runFake(config, { dir: crashed.dir });
    expect(resumed.error).toBeUndefined();
    expect(crashed.trainer.requests.length + resumed.trainer.requests.length).toBe(jobs + 1);
    expect(crashed.backend.generated.length + resumed.backend.generated.length).toBe(reference.backend.generated.length);
    expect(snapshot(resumed.dbPath, resumed.runDir)).toEqual(snapshot(reference.dbPath, reference.runDir));
    const failed = openDb(resumed.dbPath);
    expect(failed.prepare("select error from training_jobs where status = 'failed'").all()).toEqual([
      { error: "fake trainer: out of memory" },
    ]);
    failed.close();
  });
});
