/**
 * A command line that does not parse stops before any work, for every command: nothing is trained,
 * no store is created, no run starts. The real CLI in child processes (started together: each start
 * costs seconds on a shared machine).
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ensureTestModel } from "../../src/models/test-model.js";
import { chatLine } from "../support/chat-jsonl-lines.js";
import { societyCli, type CliResult } from "../support/society-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "society-parse-"));
const at = (...p: string[]) => join(tmp, ...p);
const config = at("run.yaml");
const data = at("chat.jsonl");

/** Each case gets its own folder, so "nothing was written" is checkable per case. */
const cases: Record<string, (dir: string, model: string) => string[]> = {
  "train --lerning-rate": (d, model) => [
    "train",
    "--model",
    model,
    "--data",
    data,
    "--out",
    join(d, "out.gguf"),
    "--max-steps",
    "1",
    "--lerning-rate",
    "5",
  ],
  "run --bogus-flag": (d) => ["run", config, "--bogus-flag", "--db", join(d, "s.db"), "--out", join(d, "runs")],
  "run (no config)": (d) => ["run", "--db", join(d, "s.db"), "--out", join(d, "runs")],
  "run --seeds 1e3": (d) => ["run", config, "--seeds", "1e3", "--db", join(d, "s.db"), "--out", join(d, "runs")],
  "run --seeds 0x10": (d) => ["run", config, "--seeds", "0x10", "--db", join(d, "s.db"), "--out", join(d, "runs")],
  "run --seeds 1,,2": (d) => ["run", config, "--seeds", "1,,2", "--db", join(d, "s.db"), "--out", join(d, "runs")],
  "run --seeds 99999999999999999999": (d) => [
    "run",
    config,
    "--seeds",
    "99999999999999999999",
    "--db",
    join(d, "s.db"),
    "--out",
    join(d, "runs"),
  ],
  "runs --limit -1": (d) => ["runs", "--limit", "-1", "--db", join(d, "s.db")],
  "runs --limit abc": (d) => ["runs", "--limit", "abc", "--db", join(d, "s.db")],
  "runs --bogus": (d) => ["runs", "--bogus", "--db", join(d, "s.db")],
  "report (no run id)": (d) => ["report", "--db", join(d, "s.db")],
  "eval --limit abc": (d) => ["eval", "--task", "arithmetic", "--limit", "abc", "--db", join(d, "s.db"), "--out-dir", join(d, "runs")],
  "export --bogus": (d) => ["export", "--bogus", "--db", join(d, "s.db")],
  "export --iteration 1.5": (d) => ["export", "r", "--iteration", "1.5", "--db", join(d, "s.db")],
  "graph export --iteration -1": (d) => ["graph", "export", "r", "--iteration", "-1", "--db", join(d, "s.db")],
  "adapter (no subcommand)": () => ["adapter"],
  "config check (no file)": () => ["config", "check"],
  "mistyped command": (d) => ["rnu", config, "--db", join(d, "s.db")],
  "unknown command": (d) => ["frobnicate", "--db", join(d, "s.db")],
};

const results: Record<string, CliResult> = {};
let seedsTwice: CliResult;
let procDb: CliResult;

beforeAll(async () => {
  const model = await ensureTestModel();
  writeFileSync(data, `${chatLine("1+1", "2")}\n`);
  // A model that does not exist: a run that (wrongly) starts fails fast, after creating its store.
  writeFileSync(
    config,
    stringify({
      name: "parse",
      task: { name: "arithmetic", train: { limit: 2 }, test: { limit: 2 } },
      model: { base: at("missing.gguf") },
      methods: ["base"],
    }),
  );
  await Promise.all(
    Object.entries(cases).map(async ([name, args], i) => {
      const dir = at(`case${i}`);
      results[name] = await societyCli(args(dir, model));
    }),
  );
  [seedsTwice, procDb] = await Promise.all([
    societyCli(["run", config, "--seeds", "1", "--seeds", "2", "--db", at("twice.db"), "--out", at("twice")]),
    // Node's recursive mkdir loops forever under /proc: the store must not spin there.
    societyCli(["runs", "--db", "/proc/x/y.db"], { timeoutMs: 60_000 }),
  ]);
}, 300_000);

describe("parse errors stop before any work", () => {
  for (const [i, name] of Object.keys(cases).entries()) {
    it(`${name}: exit 1 with a one-line reason, nothing written`, () => {
      const r = results[name]!;
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(/^society: /);
      expect(r.out).not.toMatch(/internal error|cannot read config undefined|step \d|starting run/);
      expect(existsSync(at(`case${i}`)), `${name} wrote ${existsSync(at(`case${i}`)) ? readdirSync(at(`case${i}`)) : ""}`).toBe(false);
    });
  }

  it("name the problem", () => {
    expect(results["train --lerning-rate"]!.out).toMatch(/unknown option --lerning-rate\b/);
    expect(results["run --bogus-flag"]!.out).toMatch(/unknown option --bogus-flag\b/);
    expect(results["run (no config)"]!.out).toMatch(/run: missing argument; usage: society run <config>/);
    expect(results["run --seeds 1,,2"]!.out).toMatch(/--seeds wants comma-separated non-negative integers .*"1,,2" \(an empty entry\)/);
    expect(results["run --seeds 99999999999999999999"]!.out).toMatch(/above 9007199254740991/);
    expect(results["runs --limit -1"]!.out).toMatch(/--limit wants a whole number ≥ 1, got "-1"/);
    expect(results["runs --limit abc"]!.out).toMatch(/--limit wants a whole number ≥ 1, got "abc"/);
    expect(results["eval --limit abc"]!.out).toMatch(/--limit wants a number, got "abc"/);
    expect(results["export --iteration 1.5"]!.out).toMatch(/--iteration wants a whole number ≥ 0, got "1\.5"/);
    expect(results["graph export --iteration -1"]!.out).toMatch(/--iteration wants a whole number ≥ 0, got "-1"/);
    expect(results["adapter (no subcommand)"]!.out).toMatch(/Name a subcommand: export or import\./);
    expect(results["mistyped command"]!.out).toMatch(/unknown command "rnu"; did you mean run\?/);
    expect(results["unknown command"]!.out).toMatch(/unknown command "frobnicate" \(commands: .*\brun\b/);
  });

  it("--seeds given twice merges the lists (1 then 2) instead of crashing", () => {
    expect(seedsTwice.code, seedsTwice.out).toBe(1); // the config's model does not exist
    expect(seedsTwice.out).not.toMatch(/internal error/);
    expect(seedsTwice.out).toMatch(/starting run parse-s1-/);
    expect(seedsTwice.out).toMatch(/missing\.gguf/);
  });

  it("--db under a folder that cannot be made fails fast, naming it", () => {
    expect(procDb.timedOut, procDb.out).toBe(false);
    expect(procDb.code, procDb.out).toBe(1);
    expect(procDb.out).toMatch(/cannot open SQLite store \/proc\/x\/y\.db: cannot create folder \/proc\/x \(ENOENT\)/);
  });
});
