/** The report header from a real store: a multiagent-ft run on fakes, its totals checked against the rows by SQL. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportDataFromStore } from "../../src/report/from-store.js";
import { costRows, runFacts } from "../../src/report/header.js";
import { openStore, type Store } from "../../src/store/index.js";
import { fakeConfig, openDb, runFake, type FakeRun } from "../methods/fixtures/fake-run.js";

let run: FakeRun;
let store: Store;
beforeAll(async () => {
  run = await runFake(fakeConfig({ methods: ["multiagent-ft", "single-agent-ft"] }));
  if (run.error) throw run.error;
  store = await openStore(run.dbPath);
}, 120_000);
afterAll(() => store?.close());

describe("run summary", () => {
  it("sums each debate key's turns and training jobs, and counts the questions of each split", async () => {
    const data = await reportDataFromStore(store, [run.runId]);
    const s = data.summary!;
    const db = openDb(run.dbPath);
    const sql = db
      .prepare(
        `SELECT d.method AS method, count(DISTINCT d.id) AS debates, count(*) AS turns, sum(t.prompt_tokens) AS p, sum(t.completion_tokens) AS c
      FROM turns t JOIN debates d ON d.id = t.debate_id GROUP BY d.method ORDER BY d.method`,
      )
      .all() as { method: string; debates: number; turns: number; p: number; c: number }[];
    const questions = db.prepare("SELECT phase, count(DISTINCT question_id) AS n FROM debates GROUP BY phase").all() as {
      phase: string;
      n: number;
    }[];
    db.close();
    expect(Object.keys(s.costs).sort()).toEqual(sql.map((r) => r.method));
    expect(sql.map((r) => r.method)).toEqual(expect.arrayContaining(["base", "multiagent-ft", "single-agent-ft"]));
    for (const r of sql)
      expect(s.costs[r.method]).toMatchObject({ debates: r.debates, turns: r.turns, promptTokens: r.p, completionTokens: r.c });
    expect(s.questions).toEqual({
      train: questions.find((q) => q.phase === "train")!.n,
      test: questions.find((q) => q.phase === "test")!.n,
    });
    expect(s.questions).toEqual({ train: 6, test: 4 });
    expect(s.baseModel).toBe("tiny"); // as the config names it
    expect(Object.fromEntries(runFacts(data, s).rows)).toMatchObject({
      seeds: "5",
      society: "2 agents, 2 rounds, 2 iterations",
      questions: "6 train, 4 test",
    });
    // The fake trainer's jobs have start and end times: each trained method has a training row.
    expect(costRows(s).rows.map((r) => r[0])).toEqual(Object.keys(s.costs));
    expect(s.costs["base"]!.trainingSeconds).toBe(0);
  });
});
