/**
 * A run that fails while starting (its model, its trainer set-up, its LoRA rank) is marked failed with the
 * reason, and `society runs` shows it; bad task data refuses the run before it exists. The real CLI, a
 * real SQLite store.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ensureTestModel } from "../../src/models/test-model.js";
import { societyCli, type CliResult } from "../support/society-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "society-start-"));
const db = join(tmp, "s.db");
const base = { task: { name: "arithmetic", train: { limit: 2 }, test: { limit: 2 } }, methods: ["base", "single-agent-ft"], iterations: 1 };

const configs = (model: string): Record<string, object> => ({
  "missing model": { ...base, name: "no-model", model: { base: join(tmp, "missing.gguf") } },
  "missing task file": {
    ...base,
    name: "no-task-file",
    model: { base: model },
    task: { name: "gsm8k", train: { limit: 2, path: join(tmp, "nope.jsonl") }, test: { limit: 2 } },
  },
  "trainer set-up": { ...base, name: "bad-trainer", model: { base: model }, training: { trainer: "openai" } },
  "LoRA rank above the model width": { ...base, name: "big-rank", model: { base: model }, training: { lora: { rank: 65 } } },
});

const runs: Record<string, CliResult> = {};
let listed: CliResult;

beforeAll(async () => {
  const model = await ensureTestModel(); // 2 layers, d = 64
  await Promise.all(
    Object.entries(configs(model)).map(async ([name, c], i) => {
      const file = join(tmp, `c${i}.yaml`);
      writeFileSync(file, stringify(c));
      runs[name] = await societyCli(["run", file, "--db", db, "--out", join(tmp, "runs")], { env: { SOCIETY_LLAMA_THREADS: "1" } });
    }),
  );
  listed = await societyCli(["runs", "--db", db]);
}, 300_000);

describe("a run that fails while starting", () => {
  // [the reason, as printed and stored; the config's run name]
  const reasons: Record<string, [RegExp, string]> = {
    "missing model": [/model\.base: .*missing\.gguf: GGUF file not found/, "no-model"],
    "trainer set-up": [/training\.trainer: openai needs model\.backend: openai/, "bad-trainer"],
    "LoRA rank above the model width": [
      /training\.lora\.rank 65 exceeds the width of blk\.0\.attn_\w+\.weight \(64 × 64\) in .*: at most 64/,
      "big-rank",
    ],
  };
  for (const [name, [reason, runName]] of Object.entries(reasons)) {
    it(`${name}: exits 1 with the reason, and the run is marked failed with it`, () => {
      const r = runs[name]!;
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(reason);
      const raw = new Database(db, { readonly: true });
      const row = raw.prepare("select status, error from runs where name = ?").get(runName) as { status: string; error: string };
      raw.close();
      expect(row).toMatchObject({ status: "failed" });
      expect(row.error).toMatch(reason);
    });
  }

  it("bad task data refuses the run before it exists: exit 1 naming the file, no run left behind", () => {
    const r = runs["missing task file"]!;
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/nope\.jsonl: no such file/);
    const raw = new Database(db, { readonly: true });
    expect(raw.prepare("select count(*) n from runs where name = 'no-task-file'").get()).toEqual({ n: 0 });
    raw.close();
  });

  it("society runs lists them as failed, with the reason", () => {
    expect(listed.code, listed.out).toBe(0);
    for (const [name, [reason, runName]] of Object.entries(reasons)) {
      const line = listed.out.split("\n").find((l) => l.startsWith(`${runName}-`));
      expect(line, name).toMatch(/ failed /);
      // the table cell is the reason's first 100 characters
      expect(line, name).toMatch(new RegExp(reason.source.split(" ")[0]!));
    }
  });
});
