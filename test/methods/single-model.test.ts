/**
 * The single-model baselines (single-agent FT, majority FT, one model on all agents' data), driven through
 * executeRun on fakes (real SQLite file): what each one model is trained on, and that N copies of it debate.
 */
import type Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { plurality } from "../../src/methods/steps/evaluate.js";
import { getTask } from "../../src/tasks/index.js";
import {
  datasetsOf,
  fakeConfig,
  metric,
  modelTag,
  tagOf,
  turnsOf,
  versionsOf,
  type FakeRun,
  useFakeRun,
  type TurnRow,
} from "./fixtures/fake-run.js";

const METHODS = ["single-agent-ft", "majority-ft", "single-agent-all-data"] as const;
const config = fakeConfig({ methods: [...METHODS] });
const task = getTask("arithmetic", {});
const same = (a: string | null, b: string | null) => a !== null && b !== null && task.canonical(a) === task.canonical(b);
function byDebate(turns: readonly TurnRow[]): Map<string, TurnRow[]> {
  const m = new Map<string, TurnRow[]>();
  for (const t of turns) m.set(t.debateId, [...(m.get(t.debateId) ?? []), t]);
  return m;
}

let run: FakeRun;
let db: Database.Database;

useFakeRun(config, (r, d) => ((run = r), (db = d)));

/**
 * The turns a method's iteration-l set is built from: the shared base debate at l = 1 (majority FT reads
 * only its round 1, which is N plain samples of the base), its own after (one round for majority FT).
 */
const trainTurns = (method: string, l: number) => turnsOf(db, l === 1 ? "base" : method, l - 1, "train");

/** Source turn ids of the rows each method should get, by its definition in the paper's baselines. */
const expected: Record<(typeof METHODS)[number], (turns: TurnRow[]) => string[]> = {
  // Every response of its debate, every round, that matches the debate's final vote (paper §2.2).
  "single-agent-ft": (turns) => turns.filter((t) => t.role !== "summarizer" && same(t.parsedAnswer, t.finalAnswer)).map((t) => t.id),
  // Its own N plain samples that match their own majority vote.
  "majority-ft": (turns) =>
    [...byDebate(turns).values()].flatMap((d) => {
      const first = d.filter((t) => t.round === 1).sort((a, b) => a.agentIndex - b.agentIndex);
      const own = plurality(first.map((t) => (t.parsedAnswer === null ? null : task.canonical(t.parsedAnswer))));
      return first.filter((t) => same(t.parsedAnswer, own)).map((t) => t.id);
    }),
  // Generator rows of every agent (round-1 = vote); the critic rows are checked for membership below.
  "single-agent-all-data": (turns) => turns.filter((t) => t.round === 1 && same(t.parsedAnswer, t.finalAnswer)).map((t) => t.id),
};

describe.each(METHODS)("%s on fakes", (method) => {
  it("trains its one model on the turns its definition picks, from train questions only", () => {
    let rows = 0;
    for (let l = 1; l <= config.iterations; l++) {
      const turns = trainTurns(method, l);
      expect(turns.every((t) => t.split === "train")).toBe(true);
      const sets = datasetsOf(db, method).filter((s) => s.iteration === l);
      expect(sets.map((s) => [s.role, s.agentIndex])).toEqual([["single", 0]]);
      const got = sets[0]!.rows.map((r) => r.sourceTurnIds);
      if (method === "single-agent-all-data") {
        // G rows (one turn) exactly; C rows (a whole chain) are chains of this debate ending on the vote.
        expect(
          got
            .filter((s) => s.length === 1)
            .flat()
            .sort(),
        ).toEqual(expected[method](turns).sort());
        const ids = new Map(turns.map((t) => [t.id, t]));
        for (const chain of got.filter((s) => s.length > 1)) {
          const ts = chain.map((id) => ids.get(id)!);
          expect(new Set(ts.map((t) => `${t.debateId} ${t.agentIndex}`)).size).toBe(1);
          expect(same(ts.at(-1)!.parsedAnswer, ts[0]!.finalAnswer)).toBe(true);
        }
        expect(got.some((s) => s.length > 1)).toBe(true);
      } else {
        expect(got.flat().sort()).toEqual(expected[method](turns).sort());
      }
      rows += got.length;
    }
    expect(rows).toBeGreaterThan(0);
  });

  it("samples its own later iterations: one round for majority FT, the full debate for the others", () => {
    const turns = trainTurns(method, 2);
    expect(turns.length).toBeGreaterThan(0);
    expect(Math.max(...turns.map((t) => t.round))).toBe(method === "majority-ft" ? 1 : config.rounds);
    const v1 = versionsOf(db, method).find((v) => v.iteration === 1)!;
    for (const t of turns)
      if (tagOf(t.completion)) expect(tagOf(t.completion)).toBe(modelTag({ base: "fake-base.gguf", adapter: v1.path! }));
  });

  it("hands the trainer its set and continues its own adapter; N copies of the trained model are evaluated", () => {
    const versions = versionsOf(db, method);
    expect(versions.map((v) => v.iteration)).toEqual([0, 1, 2]);
    for (const s of datasetsOf(db, method)) {
      const v = versions.find((x) => x.iteration === s.iteration)!;
      const req = run.trainer.requests.filter((r) => r.outPath === v.path);
      expect(req).toHaveLength(1);
      expect(req[0]!.examples).toEqual(s.rows.map((r) => ({ messages: r.messages })));
      expect(req[0]!.initAdapterPath).toBe(s.iteration === 1 ? undefined : versions[s.iteration - 1]!.path);
    }
    for (let l = 1; l <= config.iterations; l++) {
      const turns = turnsOf(db, method, l, "test");
      expect(new Set(turns.map((t) => t.qid)).size).toBe(config.task.test.limit);
      const tags = new Set(turns.map((t) => tagOf(t.completion)).filter((t) => t !== null));
      expect([...tags]).toEqual([modelTag({ base: "fake-base.gguf", adapter: versions[l]!.path! })]);
      // Majority FT is evaluated by the vote over N plain samples: one round.
      expect(Math.max(...turns.map((t) => t.round))).toBe(method === "majority-ft" ? 1 : config.rounds);
      const finals = new Map(turns.map((t) => [t.qid, task.grade(t.finalAnswer, t.gold)]));
      expect(metric(db, method, l, "accuracy")).toBeCloseTo([...finals.values()].filter(Boolean).length / finals.size, 12);
    }
  });
});
