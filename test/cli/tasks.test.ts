import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { societyInProcess } from "../support/society-in-process.js";

const run = promisify(execFile);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real CLI in a child process, as a user runs it. */
async function society(...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["bin/society.js", ...args], { cwd: process.cwd() });
    return { code: 0, stdout, stderr };
  } catch (e: any) {
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const lastLine = (s: string) => s.trimEnd().split("\n").at(-1);

describe("society tasks (child process)", () => {
  // started together: each process start costs seconds on a shared 2-core machine
  let gsm: Result, math: Result, mmlu: Result, bad: Result;
  beforeAll(async () => {
    [gsm, math, mmlu, bad] = await Promise.all([
      society("tasks", "check", "gsm8k", "--split", "test"),
      society("tasks", "check", "math", "--split", "test"),
      society("tasks", "check", "mmlu"),
      society("tasks", "check", "nosuch"),
    ]);
  });

  it("check gsm8k: every gold solution grades right", () => {
    expect(gsm.code, gsm.stderr).toBe(0);
    expect(gsm.stdout).toContain("answers parsed by hash 1319");
    expect(lastLine(gsm.stdout)).toBe("gold self-grade: 1319/1319 (100.0%)");
  });

  it("check math: every MATH-500 solution grades right", () => {
    expect(math.code, math.stderr).toBe(0);
    expect(math.stdout).toContain("answers parsed by boxed 500");
    expect(lastLine(math.stdout)).toBe("gold self-grade: 500/500 (100.0%)");
  });

  it("check mmlu: every test question's letter grades right, all 57 subjects", () => {
    expect(mmlu.code, mmlu.stderr).toBe(0);
    expect(mmlu.stdout).toContain("mmlu test: 14042 question(s); answers parsed by choice 14042");
    expect(lastLine(mmlu.stdout)).toBe("gold self-grade: 14042/14042 (100.0%)");
  });

  it("exits 1 with a one-line message naming the known tasks", () => {
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(
      'society: unknown task "nosuch"; known tasks: arithmetic, gsm8k, math, mmlu (or the path of a task file, *.yaml)',
    );
  });
});

describe("society tasks (in process)", () => {
  it("list shows names, descriptions and split sizes", async () => {
    const r = await societyInProcess("tasks", "list");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^arithmetic +a\+b\*c\+d-e\*f/m);
    expect(r.stdout).toContain("train 7473, test 1319");
    expect(r.stdout).toMatch(/^math .*\n.*train — \(give a file\), test 500/m);
    expect(r.stdout).toMatch(/^mmlu .*\n.*train 1503, test 14042/m);
  });

  it("show prints questions, golds and, on request, solutions", async () => {
    const r = await societyInProcess("tasks", "show", "arithmetic", "--limit", "2", "--seed", "4", "--solutions");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("[arith-test-1]");
    expect(r.stdout).not.toContain("[arith-test-2]");
    expect(r.stdout).toMatch(/gold: -?\d+\nsolution:\n {2}.*\\boxed\{-?\d+\}\.$/m);
    const g = await societyInProcess("tasks", "show", "gsm8k", "--split", "train", "--offset", "3", "--limit", "1");
    expect(g.stdout).toContain("[gsm8k-train-3]");
  });

  it("check --shuffled is a control run that mostly fails", async () => {
    const r = await societyInProcess("tasks", "check", "math", "--shuffled", "3", "--limit", "100");
    expect(r.code, r.stderr).toBe(0);
    const m = /^shuffled-gold control: (\d+)\/100 /.exec(lastLine(r.stdout)!);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(5);
  });

  it("check prints failures with extracted vs gold, and still exits 0 (it is a report)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "society-cli-")), "math.jsonl");
    const rows = [
      { problem: "p1", solution: "so $\\boxed{\\dfrac{1}{2}}$", answer: "0.5", unique_id: "ok" },
      { problem: "p2", solution: "so $\\boxed{3}$", answer: "4", unique_id: "wrong" },
      { problem: "p3", solution: "no box at all", answer: "\\frac{3}{4}", unique_id: "unboxed" },
    ];
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const r = await societyInProcess("tasks", "check", "math", "--file", file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("answers parsed by boxed 2, unparsed 1");
    expect(r.stdout).toContain(
      'failures (first 2 of 2):\n  wrong: extracted "3" (boxed) vs gold "4"\n  unboxed: extracted null (unparsed) vs gold "\\\\frac{3}{4}"',
    );
    expect(lastLine(r.stdout)).toBe("gold self-grade: 1/3 (33.3%)");
  });

  it("checks a user's own task file, per subset too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "society-cli-"));
    writeFileSync(join(dir, "q.csv"), "q,a,topic\n2+2,4,add\n3*3,9,mul\n");
    writeFileSync(
      join(dir, "mine.yaml"),
      "name: mine\ntest: q.csv\nquestion: q\ngold: a\nextractor: boxed\ngrader: numeric\nsubset: topic\n",
    );
    const r = await societyInProcess("tasks", "check", join(dir, "mine.yaml"), "--subset", "mul");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("mine test: 1 question(s); answers parsed by boxed 1");
    expect(lastLine(r.stdout)).toBe("gold self-grade: 1/1 (100.0%)");
    const mm = await societyInProcess("tasks", "show", "mmlu", "--subset", "virology", "--limit", "1", "--solutions");
    expect(mm.stdout).toMatch(
      /\[mmlu-test-virology-0\]\n.*\nA\) .*\nB\) .*\nC\) .*\nD\) .*\ngold: [ABCD]\nsolution:\n {2}The answer is \([ABCD]\)\./,
    );
  });

  it("user errors exit 1", async () => {
    const r = await societyInProcess("tasks", "show", "math", "--split", "train");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^society: task math: no train split/);
    expect((await societyInProcess("tasks", "check", "gsm8k", "--file", "/nonexistent.jsonl")).code).toBe(1);
  });
});
