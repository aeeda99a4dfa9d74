/**
 * Files a user might hand the CLI by mistake — a FIFO, a directory, binary junk, a corrupt store — give a
 * clear error naming the file and exit 1, never a hang or an internal error. The real CLI.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { societyCli, type CliResult } from "../support/society-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "society-hostile-"));
const at = (p: string) => join(tmp, p);

const cases: Record<string, { args: () => string[]; want: RegExp }> = {
  "config is a FIFO": {
    args: () => ["config", "check", at("fifo.yaml")],
    want: /cannot read config .*fifo\.yaml: a FIFO, not a regular file/,
  },
  "config is a directory": {
    args: () => ["run", at("dir.yaml"), "--db", at("d1.db")],
    want: /cannot read config .*dir\.yaml: a directory, not a regular file/,
  },
  "config is binary junk": { args: () => ["config", "check", at("junk.yaml")], want: /junk\.yaml:\d+:\d+: / },
  "train --data is a FIFO": {
    args: () => ["train", "--model", at("junk.yaml"), "--data", at("fifo.yaml")],
    want: /cannot read .*fifo\.yaml: a FIFO, not a regular file/,
  },
  "task file is a FIFO": {
    args: () => ["tasks", "check", at("fifo.yaml")],
    want: /cannot read task file .*fifo\.yaml: a FIFO, not a regular file/,
  },
  "task data file is a FIFO": {
    args: () => ["tasks", "check", "gsm8k", "--file", at("task.jsonl")],
    want: /task\.jsonl: a FIFO, not a regular file/,
  },
  "task data file is a directory": {
    args: () => ["tasks", "check", "gsm8k", "--file", at("dir.jsonl")],
    want: /dir\.jsonl: a directory, not a regular file/,
  },
  "store is not a database": {
    args: () => ["runs", "--db", at("junk.yaml")],
    want: /junk\.yaml.*(not a database|file is not a database)/i,
  },
};

const results: Record<string, CliResult> = {};

beforeAll(async () => {
  execFileSync("mkfifo", [at("fifo.yaml")]);
  execFileSync("mkfifo", [at("task.jsonl")]);
  mkdirSync(at("dir.yaml"));
  mkdirSync(at("dir.jsonl"));
  writeFileSync(at("junk.yaml"), Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 131 + 7) % 256)));
  writeFileSync(at("ok.yaml"), stringify({ name: "x", task: { name: "arithmetic" } }));
  await Promise.all(Object.entries(cases).map(async ([name, c]) => (results[name] = await societyCli(c.args(), { timeoutMs: 180_000 }))));
}, 300_000);

describe("hostile files", () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: exit 1, naming the file`, () => {
      const r = results[name]!;
      expect(r.timedOut, `hung:\n${r.out}`).toBe(false);
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(c.want);
      expect(r.out).not.toMatch(/internal error/);
    });
  }
});
