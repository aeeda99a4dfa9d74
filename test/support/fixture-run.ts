/**
 * `society run` of a config from test/fixtures/, in this process on the `test` tiny model, into a fresh temp
 * folder; and the check that the same command again resumes the finished run without changing anything.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "vitest";
import { main } from "../../src/cli/main.js";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import { openStore } from "../../src/store/index.js";

const fixtures = resolve(import.meta.dirname, "../fixtures");

export interface FixtureRun {
  code: number;
  argv: string[];
  /** The temp folder: the runs' output folder; the store is `db` in it. */
  tmp: string;
  db: string;
  runId: string;
  resultsFile: string;
  /** results.json as the run wrote it. */
  results: any;
}

/** Runs `fixture` (a file name in test/fixtures/) whose run is named `runName`. */
export async function runFixture(fixture: string, runName: string): Promise<FixtureRun> {
  await ensureTinyModel("test");
  const tmp = mkdtempSync(join(tmpdir(), `${runName}-`));
  const db = join(tmp, "s.db");
  process.env.SOCIETY_LLAMA_THREADS = "1";
  const argv = ["run", join(fixtures, fixture), "--db", db, "--out", tmp];
  const code = await main(argv);
  const runId = readdirSync(tmp).find((f) => f.startsWith(`${runName}-`))!;
  const resultsFile = join(tmp, runId, "report/results.json");
  return { code, argv, tmp, db, runId, resultsFile, results: JSON.parse(readFileSync(resultsFile, "utf8")) };
}

/** The same command again resumes the finished run: exit 0, no new test turns of `method` at `iteration`, the same results. */
export async function expectRerunChangesNothing(run: FixtureRun, method: string, iteration: number): Promise<void> {
  const testTurns = async () => {
    const store = await openStore(run.db);
    try {
      return (await store.turns.listFor({ runId: run.runId, method, iteration, phase: "test" })).length;
    } finally {
      await store.close();
    }
  };
  const before = await testTurns();
  expect(await main(run.argv)).toBe(0);
  expect(await testTurns()).toBe(before);
  expect(JSON.parse(readFileSync(run.resultsFile, "utf8"))).toEqual(run.results);
}
