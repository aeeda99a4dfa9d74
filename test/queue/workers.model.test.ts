/**
 * `society run --workers` with `society worker` processes on a real PostgreSQL server on loopback:
 * - three workers on both queues, one SIGKILLed while it trains: its unit stops heartbeating, the coordinator
 *   fails that attempt and another worker redoes it. Every debate (train split and evaluations) is done in
 *   chunks by the workers: each stored turn names the worker that generated it, none the coordinator. The
 *   run's results.json and content tables (the gen_* generation counters included) equal those of the same
 *   config run in one process. The unit timeout stays at its default (hours): recovery must not wait for it.
 * - a training worker that cannot load the base model (its artifact is damaged) fails the unit with the reason;
 *   after its retries the unit is in the dead-letter queue and the run fails, saying why, in `society runs`.
 *   A debate-only worker (`--queue debate`) beside it does the debates and never a training job.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { DirArtifactStore } from "../../src/artifacts/index.js";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import { fileSha256 } from "../../src/util/file-sha256.js";
import { societyCli } from "../support/society-cli.js";
import { tinyRunConfig } from "../support/tiny-run-config.js";
import { startPostgres, type PgServer } from "../store/pg-server.js";

const root = resolve(import.meta.dirname, "../..");
const server: PgServer = await startPostgres();
const tmp = mkdtempSync(join(tmpdir(), "society-workers-"));

const config = tinyRunConfig({
  name: "workers-test",
  seed: 5,
  task: { name: "arithmetic", options: { maxValue: 3 }, train: { limit: 12 }, test: { limit: 6 } },
  model: { context_size: 1024 },
  methods: ["multiagent-ft"],
  debate: { max_tokens: 32 },
  training: { optim: { epochs: 3, batch_size: 2 }, threads: 1 },
});

/** Every content table, by natural keys (no row ids, no times: the *_seconds metrics are wall/CPU time). */
async function contents(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const q = async (sql: string) => (await c.query(sql)).rows;
  const out = {
    questions: await q("select task, split, qid, text, gold from questions order by task, split, qid"),
    debates: await q(
      "select d.method, d.iteration, d.phase, q.qid, d.final_answer from debates d join questions q on q.id = d.question_id order by 1, 2, 3, 4",
    ),
    turns: await q(
      "select d.method, d.iteration, d.phase, q.qid, a.role, a.agent_index, t.round, t.seed, t.completion, t.parsed_answer from turns t join debates d on d.id = t.debate_id join questions q on q.id = d.question_id join agents a on a.id = t.agent_id order by 1, 2, 3, 4, 5, 6, 7",
    ),
    datasets: await q(
      "select ds.method, a.role, a.agent_index, ds.kind, ds.iteration, ds.row_count, ds.sha256 from datasets ds join agents a on a.id = ds.agent_id order by 1, 2, 3, 4, 5",
    ),
    datasetRows: await q(
      "select ds.method, a.role, a.agent_index, ds.kind, ds.iteration, r.row_index, r.messages from dataset_rows r join datasets ds on ds.id = r.dataset_id join agents a on a.id = ds.agent_id order by 1, 2, 3, 4, 5, 6",
    ),
    versions: await q(
      "select a.method, a.role, a.agent_index, v.iteration, v.kind, v.sha256 from model_versions v join agents a on a.id = v.agent_id order by 1, 2, 3, 4",
    ),
    jobs: await q(
      "select a.role, a.agent_index, j.iteration, j.status, j.loss_curve from training_jobs j join agents a on a.id = j.agent_id where j.status = 'succeeded' order by 1, 2, 3",
    ),
    metrics: await q(
      "select method, iteration, name, scope, value, extra from metrics where name not like '%_seconds' order by 1, 2, 3, 4",
    ),
  };
  await c.end();
  return out;
}

function results(dir: string) {
  const id = readdirSync(dir).find((f) => f.startsWith("workers-test-"))!;
  const r = JSON.parse(readFileSync(join(dir, id, "report/results.json"), "utf8"));
  return r;
}

const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  if (!("skip" in server)) await server.stop();
  rmSync(tmp, { recursive: true, force: true });
});

if ("skip" in server && process.env.CI) throw new Error(`test/queue/workers.model.test.ts: no PostgreSQL server in CI: ${server.skip}`);

describe.skipIf("skip" in server)("society worker", () => {
  it("three workers (debates and training), one SIGKILLed mid-training: same results and content as one process", async () => {
    if ("skip" in server) return;
    await ensureTinyModel("test");
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    for (const db of ["single", "coord"])
      await admin.query(`drop database if exists ${db}`).then(() => admin.query(`create database ${db}`));
    await admin.end();
    const dbUrl = (db: string) => server.url.replace(/\/[^/]*$/, `/${db}`);
    const cfg = join(tmp, "config.yaml");
    writeFileSync(cfg, stringify(config));
    const env = { SOCIETY_LLAMA_THREADS: "1" };

    const single = await societyCli(["run", cfg, "--db", dbUrl("single"), "--out", join(tmp, "single")], { env });
    expect(single.code, single.out).toBe(0);
    const qids = await questionIds(dbUrl("single"));

    const artifacts = join(tmp, "artifacts");
    const logs: string[] = ["", "", ""];
    let killed = -1;
    let claims = 0;
    const workers = [0, 1, 2].map((i) => {
      const w = spawn(
        process.execPath,
        [join(root, "bin/society.js"), "worker", "--db", dbUrl("coord"), "--artifacts", artifacts, "--work-dir", join(tmp, `w${i}`)],
        { cwd: root, env: { ...process.env, ...env } },
      );
      w.stdout!.on("data", (d) => (logs[i] += d));
      w.stderr!.on("data", (d) => {
        logs[i] += d;
        // The first worker to report a training step is killed while it trains.
        if (killed < 0 && /training queue\/train\/\S+: step 1\//.test(String(d))) {
          claims++;
          killed = i;
          w.kill("SIGKILL");
        }
      });
      children.push(w);
      return w;
    });
    // 12 train and 6 test questions in chunks of 4: 3 units for the train debate, 2 for each evaluation.
    const coord = await societyCli(
      ["run", cfg, "--db", dbUrl("coord"), "--out", join(tmp, "coord"), "--workers", "--artifacts", artifacts, "--debate-chunk", "4"],
      { env, timeoutMs: 600_000 },
    );
    expect(coord.code, `${coord.timedOut ? "TIMED OUT\n" : ""}${coord.out}\n${logs.join("\n---\n")}`).toBe(0);
    expect(claims).toBe(1);
    expect(workers[killed]!.signalCode).toBe("SIGKILL");
    // Found lost by its heartbeat, not by the unit's 6-hour expiry.
    expect(coord.out).toMatch(
      new RegExp(`unit queue/train/\\S+: worker pid ${workers[killed]!.pid} on \\S+ stopped heartbeating .*; handing it to another worker`),
    );
    // The killed worker's unit was done by another: every unit the coordinator queued was completed by the survivors
    // (an agent whose dataset is empty keeps its weights and queues nothing).
    const queued = new Set([...coord.out.matchAll(/queued (queue\/train\/\S+)/g)].map((m) => m[1]));
    const done = new Set(
      [
        ...logs
          .filter((_, i) => i !== killed)
          .join("")
          .matchAll(/done (queue\/train\/\S+)/g),
      ].map((m) => m[1]),
    );
    expect(queued.size).toBeGreaterThanOrEqual(2);
    expect(done).toEqual(queued);
    expect(logs[killed]).not.toMatch(/done queue\/train/);

    // Debates: every chunk queued was done by a worker (none killed during debates), and the coordinator only read turns back.
    const queuedDebates = [...coord.out.matchAll(/queued (queue\/debate\/\S+)/g)].map((m) => m[1]).sort();
    const groups: Record<string, number[]> = {};
    for (const k of queuedDebates) {
      const m = /^queue\/debate\/(\S+\/it\d\/(train|test))\/(\S+)\+(\d+)$/.exec(k)!;
      expect(qids[m[2]!]).toContain(m[3]);
      (groups[m[1]!] ??= []).push(Number(m[4]));
    }
    for (const g of Object.values(groups)) g.sort();
    expect(groups).toEqual({ "base/it0/train": [4, 4, 4], "base/it0/test": [2, 4], "multiagent-ft/it1/test": [2, 4] });
    const debatesDone = [...logs.join("").matchAll(/done (queue\/debate\/\S+) in [\d.]+ s \(\d+ question\(s\), (\d+) turn/g)];
    expect(debatesDone.map((m) => m[1]).sort()).toEqual(queuedDebates);
    const workerOf = await turnWorkers(dbUrl("coord"));
    const pids = new Set(workers.map((w) => String(w.pid)));
    expect(workerOf.size).toBeGreaterThan(0);
    expect([...workerOf.keys()].filter((w) => !pids.has(w.replace(/@.*/, "")))).toEqual([]);
    // Each worker's reported turn counts add up to the stored turns: nothing generated twice or by the coordinator.
    expect(debatesDone.reduce((s, m) => s + Number(m[2]), 0)).toBe([...workerOf.values()].reduce((s, n) => s + n, 0));
    expect([...(await turnWorkers(dbUrl("single"))).keys()]).toEqual(["(none)"]);
    expect(coord.out).not.toMatch(/generated here, not on a worker/);

    expect(await contents(dbUrl("coord"))).toEqual(await contents(dbUrl("single")));
    const [a, b] = [results(join(tmp, "single")), results(join(tmp, "coord"))];
    expect(stripTimes(b)).toEqual(stripTimes(a));
    for (const w of workers) if (w.exitCode === null) w.kill("SIGTERM");
  }, 900_000);

  it("a worker that cannot load the base model: the unit fails with the reason, is dead-lettered after its retries, and the run fails saying why", async () => {
    if ("skip" in server) return;
    const model = await ensureTinyModel("test");
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query("drop database if exists dead").then(() => admin.query("create database dead"));
    await admin.end();
    const url = server.url.replace(/\/[^/]*$/, "/dead");
    const cfg = join(tmp, "config-dead.yaml");
    writeFileSync(cfg, stringify({ ...config, name: "workers-dead" }));
    // The training worker's copy of the base model is damaged (a bad disk, a truncated copy): the coordinator
    // finds the artifact present and does not store it again; the worker's sha256 check refuses it. A second
    // worker takes only debates, from a store with a sound copy: the untrained society's debates succeed.
    const artifacts = join(tmp, "artifacts-dead");
    const sound = join(tmp, "artifacts-sound");
    await new DirArtifactStore(sound).put(model.path);
    const sha = await fileSha256(model.path);
    mkdirSync(join(artifacts, sha.slice(0, 2)), { recursive: true });
    writeFileSync(join(artifacts, sha.slice(0, 2), sha), "not a model");
    const env = { SOCIETY_LLAMA_THREADS: "1" };
    let log = "";
    const w = spawn(
      process.execPath,
      [
        join(root, "bin/society.js"),
        "worker",
        "--db",
        url,
        "--queue",
        "train",
        "--artifacts",
        artifacts,
        "--retries",
        "1",
        "--work-dir",
        join(tmp, "wd"),
      ],
      { cwd: root, env: { ...process.env, ...env } },
    );
    w.stdout!.on("data", (d) => (log += d));
    w.stderr!.on("data", (d) => (log += d));
    let debateLog = "";
    const dw = spawn(
      process.execPath,
      [join(root, "bin/society.js"), "worker", "--db", url, "--queue", "debate", "--artifacts", sound, "--work-dir", join(tmp, "wd2")],
      { cwd: root, env: { ...process.env, ...env } },
    );
    dw.stderr!.on("data", (d) => (debateLog += d));
    children.push(w, dw);
    const coord = await societyCli(
      ["run", cfg, "--db", url, "--out", join(tmp, "dead"), "--workers", "--artifacts", artifacts, "--retries", "1"],
      { env, timeoutMs: 600_000 },
    );
    w.kill("SIGTERM");
    dw.kill("SIGTERM");
    expect(coord.code, `${coord.out}\n---\n${log}\n---\n${debateLog}`).toBe(1);
    // Each worker took only its own queue.
    expect(log).not.toMatch(/claimed debate/);
    expect(debateLog).toMatch(/done queue\/debate\/base\/it0\/train\//);
    expect(debateLog).not.toMatch(/claimed train/);
    expect(coord.out).toMatch(
      /training unit queue\/train\/\S+ failed after 2 attempts, dead-lettered to train-dead: .*its bytes hash to [0-9a-f]{64}, not to the sha256 it is stored under/,
    );
    // Each attempt failed on the worker with the reason.
    const unit = /training unit (queue\/train\/\S+) failed/.exec(coord.out)![1]!;
    expect(log.split(`failed ${unit}: `).length - 1).toBe(2);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const dead = (await c.query("select data->>'key' as key from pgboss.job where name = 'train-dead'")).rows.map((r) => r.key);
    await c.end();
    expect(dead).toContain(unit);
    const runs = await societyCli(["runs", "--db", url]);
    expect(runs.code, runs.out).toBe(0);
    expect(runs.out).toMatch(/workers-dead.*failed.*dead-lettered to train-dead: .*its bytes hash to/);
  }, 600_000);
});

/** The question ids of each split. */
async function questionIds(url: string): Promise<Record<string, string[]>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const rows = (await c.query("select split, qid from questions")).rows as Array<{ split: string; qid: string }>;
  await c.end();
  return {
    train: rows.filter((r) => r.split === "train").map((r) => r.qid),
    test: rows.filter((r) => r.split === "test").map((r) => r.qid),
  };
}

/** Stored turns by the worker their meta names ("(none)": generated by the run's own process). */
async function turnWorkers(url: string): Promise<Map<string, number>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const rows = (await c.query("select coalesce(meta->>'worker', '(none)') as w, count(*)::int as n from turns group by 1")).rows as Array<{
    w: string;
    n: number;
  }>;
  await c.end();
  return new Map(rows.map((r) => [r.w, r.n]));
}

/** results.json less wall-clock figures. */
function stripTimes(r: unknown): unknown {
  return JSON.parse(JSON.stringify(r, (k, v) => (/seconds|_s$|Ms$|latency|elapsed|created|time/i.test(k) ? undefined : v)));
}
