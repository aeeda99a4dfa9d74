/**
 * The report's interaction-graph section on a real SQLite run (fakes debating 3 agents × 3 rounds): per-round
 * label counts equal the stored turns' grades, and the label chart and the drawing of a few graphs are written.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { reportDataFromStore } from "../../src/report/from-store.js";
import { writeReport } from "../../src/report/write.js";
import { openStore } from "../../src/store/index.js";
import { getTask } from "../../src/tasks/index.js";
import { fakeConfig, openDb, runFake, turnsOf } from "../methods/fixtures/fake-run.js";

it("per-round node labels of the untrained debate, a label chart and drawn graphs", async () => {
  const run = await runFake(
    fakeConfig({
      methods: ["debate"],
      agents: 3,
      rounds: 3,
      task: { name: "arithmetic", options: { maxValue: 9 }, train: { limit: 4 }, test: { limit: 8 } },
    }),
  );
  if (run.error) throw run.error;
  const store = await openStore(run.dbPath);
  const data = await reportDataFromStore(store, [run.runId]).finally(() => store.close());
  expect(data.graphs).toHaveLength(1);
  const s = data.graphs![0]!;
  expect(s).toMatchObject({ source: "base · test", graphs: 8, agents: 3 });
  expect(s.examples).toHaveLength(3);
  const db = openDb(run.dbPath);
  const task = getTask("arithmetic", {});
  const turns = turnsOf(db, "base", 0, "test");
  db.close();
  for (const r of s.rounds) {
    const inRound = turns.filter((t) => t.round === r.round);
    expect(r.correct).toBe(inRound.filter((t) => task.grade(t.parsedAnswer, t.gold)).length);
    expect(r.correct + r.incorrect).toBe(inRound.length);
  }
  const dir = join(run.dir, "report");
  await writeReport(data, dir);
  const md = readFileSync(join(dir, "report.md"), "utf8");
  expect(md).toContain("## Interaction graphs");
  expect(md).toMatch(/\| base · test \(8\) \| 1 \| \d+ \| \d+ \| 0 \| 0 \| 0 \|/);
  for (const png of ["graph-labels.png", "graph-examples.png"]) {
    expect(existsSync(join(dir, png))).toBe(true);
    expect(readFileSync(join(dir, png)).length).toBeGreaterThan(5000);
  }
});
