import Database from "better-sqlite3";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestModel } from "../../src/models/test-model.js";

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, "../..");
const QUESTIONS = 12;
const TURNS = QUESTIONS * 9; // 3 generators + 3 summaries + 3 critics per question

let dir: string;
let model: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "society-resume-"));
  model = await ensureTestModel();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const argv = (db: string, out: string) => [
  "bin/society.js",
  "eval",
  "--task",
  "arithmetic",
  "--limit",
  String(QUESTIONS),
  "--model",
  model,
  "--method",
  "debate",
  "--agents",
  "3",
  "--rounds",
  "2",
  "--max-tokens",
  "32",
  "--seed",
  "3",
  "--threads",
  "1",
  "--concurrency",
  "2",
  "--db",
  db,
  "--out-dir",
  out,
];

function countTurns(db: string): number {
  if (!existsSync(db)) return 0;
  const h = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (h.prepare("select count(*) as n from turns").get() as { n: number }).n;
  } catch {
    return 0; // tables not migrated yet
  } finally {
    h.close();
  }
}

function storedTurns(db: string) {
  const h = new Database(db, { readonly: true });
  try {
    const rows = h.prepare("select debate_id, agent_id, round, seed, completion from turns").all() as Array<{
      debate_id: string;
      agent_id: string;
      round: number;
      seed: number;
      completion: string;
    }>;
    const distinct = new Set(rows.map((r) => `${r.debate_id}|${r.agent_id}|${r.round}`)).size;
    return { rows, distinct, keys: rows.map((r) => `${r.round}|${r.seed}|${r.completion}`).sort() };
  } finally {
    h.close();
  }
}

const answers = (out: string) =>
  readFileSync(join(out, readdir(out), "questions.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .map((q) => [q.qid, q.final_answer, q.votes]);
const readdir = (out: string) => readdirSync(out)[0]!;

describe("society eval: SIGKILL part-way, resume", () => {
  it("resumes to the same final answers as an uninterrupted run, with no duplicate or missing turns", async () => {
    const killedDb = join(dir, "killed.db");
    const killedOut = join(dir, "killed-runs");
    const child = spawn(process.execPath, argv(killedDb, killedOut), { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on("exit", (_code, signal) => r(signal)));
    for (const t0 = Date.now(); Date.now() - t0 < 120_000;) {
      if (countTurns(killedDb) >= 15) break;
      if (child.exitCode !== null) throw new Error(`eval exited before it could be killed:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const stored = countTurns(killedDb);
    expect(stored).toBeGreaterThanOrEqual(15);
    expect(stored).toBeLessThan(TURNS);

    const resumed = await run(process.execPath, argv(killedDb, killedOut), { cwd: REPO });
    expect(resumed.stdout).toMatch(/\(resumed\)/);
    const straightDb = join(dir, "straight.db");
    const straightOut = join(dir, "straight-runs");
    const straight = await run(process.execPath, argv(straightDb, straightOut), { cwd: REPO });
    expect(straight.stdout).not.toMatch(/\(resumed\)/);

    const a = storedTurns(killedDb);
    const b = storedTurns(straightDb);
    expect(a.rows).toHaveLength(TURNS);
    expect(a.distinct).toBe(TURNS);
    expect(b.rows).toHaveLength(TURNS);
    expect(a.keys).toEqual(b.keys);
    expect(answers(killedOut)).toEqual(answers(straightOut));

    const results = JSON.parse(readFileSync(join(killedOut, readdir(killedOut), "results.json"), "utf8"));
    expect(results.resumed).toBe(true);
    expect(results.questions).toBe(QUESTIONS);
    expect(results.generated_now.turns).toBe(TURNS - stored);
    const line = resumed.stdout.split("\n").find((l) => l.startsWith("accuracy"))!;
    expect(straight.stdout).toContain(line);
  });
});
