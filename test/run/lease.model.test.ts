/**
 * One process per run: a second `society run` of a run in progress says who holds it (pid, host, since)
 * and exits 1 without touching it; once the holder is killed, the same command resumes at once (the lease
 * of a dead process on this host is free), marks the killed training attempt abandoned, and finishes.
 * The real CLI on the `test` tiny model and a real SQLite file.
 */
import Database from "better-sqlite3";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import { societyCli, waitForRow } from "../support/society-cli.js";
import { tinyRunConfig } from "../support/tiny-run-config.js";

const tmp = mkdtempSync(join(tmpdir(), "society-lease-"));
const db = join(tmp, "s.db");
const config = join(tmp, "lease.yaml");
const args = ["run", config, "--db", db, "--out", join(tmp, "runs")];
const env = { SOCIETY_LLAMA_THREADS: "1" };

/** Polls the store (read-only) until `sql` returns a row. */
async function until(sql: string, timeoutMs = 300_000): Promise<void> {
  if (!(await waitForRow(db, sql, timeoutMs))) throw new Error(`timed out waiting for: ${sql}`);
}

const count = (sql: string) => {
  const raw = new Database(db, { readonly: true });
  const n = (raw.prepare(sql).get() as { n: number }).n;
  raw.close();
  return n;
};

describe("the run lease", () => {
  it("refuses a second process, names the holder; after the holder is killed a rerun resumes and finishes", async () => {
    await ensureTinyModel("test");
    writeFileSync(
      config,
      stringify(
        tinyRunConfig({
          name: "lease-test",
          seed: 5,
          task: { name: "arithmetic", options: { maxValue: 3 }, train: { limit: 8 }, test: { limit: 4 } },
          methods: ["single-agent-ft"],
          debate: { max_tokens: 24 },
          training: { lora: { rank: 2, alpha: 4 }, optim: { epochs: 60, batch_size: 2 }, context_length: 128 },
          metrics: { nll_samples: 1 },
        }),
      ),
    );
    let holder: ChildProcess | undefined;
    const first = societyCli(args, { env, onSpawn: (c) => (holder = c), timeoutMs: 600_000 });
    // Hold it while it trains, so the kill below leaves a "running" training attempt behind (60 epochs: the
    // training lasts well past the second process's start on an idle machine, where 3 epochs could finish first).
    await until("select 1 from training_jobs where status = 'running'");
    const second = await societyCli(args, { env, timeoutMs: 120_000 });
    expect(second.code, second.out).toBe(1);
    expect(second.out).toMatch(
      new RegExp(
        `^society: run lease-test-s5-\\w+ is already in progress: held by pid ${holder!.pid} on host ${hostname()} since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(society run .*lease\\.yaml`,
        "m",
      ),
    );
    expect(second.out).not.toMatch(/resuming run/);

    holder!.kill("SIGKILL");
    expect((await first).signal).toBe("SIGKILL");
    expect(count("select count(*) n from training_jobs where status = 'running'")).toBe(1);

    const third = await societyCli(args, { env, timeoutMs: 600_000 });
    expect(third.code, third.out).toBe(0);
    expect(third.out).toMatch(/resuming run lease-test-s5-\w+ .*; 1 interrupted training attempt\(s\) marked abandoned/);
    expect(count("select count(*) n from training_jobs where status = 'running'")).toBe(0);
    expect(count("select count(*) n from training_jobs where status = 'abandoned'")).toBe(1);
    expect(count("select count(*) n from runs where status = 'done'")).toBe(1);
    expect(count("select count(*) n from leases")).toBe(0); // released at the end
  }, 900_000);
});
