/**
 * `society run --workers` with three `society worker` processes on a real PostgreSQL server on loopback:
 * one worker is SIGKILLed while it trains; its unit expires and another worker redoes it. The run's
 * results.json and content tables equal those of the same config run in one process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import { societyCli } from "../support/society-cli.js";
import { startPostgres, type PgServer } from "../store/pg-server.js";

const root = resolve(import.meta.dirname, "../..");
const server: PgServer = await startPostgres();
const tmp = mkdtempSync(join(tmpdir(), "society-workers-"));

const config = {
  name: "workers-test",
  seed: 5,
  task: { name: "arithmetic", options: { maxValue: 3 }, train: { limit: 12 }, test: { limit: 6 } },
  model: { base: "tiny", tiny_recipe: "test", context_size: 1024 },
  methods: ["multiagent-ft"],
  agents: 2,
  rounds: 2,
  iterations: 1,
  debate: { summarize: false, max_tokens: 32, concurrency: 8 },
  training: { lora: { rank: 4, alpha: 8 }, optim: { lr: 0.003, epochs: 3, batch_size: 2 }, val_fraction: 0, context_length: 256, threads: 1 },
  metrics: { nll_samples: 2 },
};

/** Every content table, by natural keys (no row ids, no times: the *_seconds metrics are wall/CPU time). */
async function contents(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const q = async (sql: string) => (await c.query(sql)).rows;
  const out = {
    questions: await q("select task, split, qid, text, gold from questions order by task, split, qid"),
    debates: await q("select d.method, d.iteration, d.phase, q.qid, d.final_answer from debates d join questions q on q.id = d.question_id order by 1, 2, 3, 4"),
    turns: await q("select d.method, d.iteration, d.phase, q.qid, a.role, a.agent_index, t.round, t.seed, t.completion, t.parsed_answer from turns t join debates d on d.id = t.debate_id join questions q on q.id = d.question_id join agents a on a.id = t.agent_id order by 1, 2, 3, 4, 5, 6, 7"),
    datasets: await q("select ds.method, a.role, a.agent_index, ds.kind, ds.iteration, ds.row_count, ds.sha256 from datasets ds join agents a on a.id = ds.agent_id order by 1, 2, 3, 4, 5"),
    datasetRows: await q("select ds.method, a.role, a.agent_index, ds.kind, ds.iteration, r.row_index, r.messages from dataset_rows r join datasets ds on ds.id = r.dataset_id join agents a on a.id = ds.agent_id order by 1, 2, 3, 4, 5, 6"),
    versions: await q("select a.method, a.role, a.agent_index, v.iteration, v.kind, v.sha256 from model_versions v join agents a on a.id = v.agent_id order by 1, 2, 3, 4"),
    jobs: await q("select a.role, a.agent_index, j.iteration, j.status, j.loss_curve from training_jobs j join agents a on a.id = j.agent_id where j.status = 'succeeded' order by 1, 2, 3"),
    metrics: await q("select method, iteration, name, scope, value, extra from metrics where name not like '%_seconds' order by 1, 2, 3, 4"),
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
  it("three workers, one SIGKILLed mid-training: same results and content as one process", async () => {
    if ("skip" in server) return;
    await ensureTinyModel("test");
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    for (const db of ["single", "coord"]) await admin.query(`drop database if exists ${db}`).then(() => admin.query(`create database ${db}`));
    await admin.end();
    const dbUrl = (db: string) => server.url.replace(/\/[^/]*$/, `/${db}`);
    const cfg = join(tmp, "config.yaml");
    writeFileSync(cfg, stringify(config));
    const env = { SOCIETY_LLAMA_THREADS: "1" };

    const single = await societyCli(["run", cfg, "--db", dbUrl("single"), "--out", join(tmp, "single")], { env });
    expect(single.code, single.out).toBe(0);

    const artifacts = join(tmp, "artifacts");
    const logs: string[] = ["", "", ""];
    let killed = -1;
    let claims = 0;
    const workers = [0, 1, 2].map((i) => {
      const w = spawn(process.execPath, [join(root, "bin/society.js"), "worker", "--db", dbUrl("coord"), "--artifacts", artifacts, "--unit-timeout", "20", "--work-dir", join(tmp, `w${i}`)], { cwd: root, env: { ...process.env, ...env } });
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
    const coord = await societyCli(["run", cfg, "--db", dbUrl("coord"), "--out", join(tmp, "coord"), "--workers", "--artifacts", artifacts, "--unit-timeout", "20"], { env });
    expect(coord.code, `${coord.out}\n${logs.join("\n---\n")}`).toBe(0);
    expect(claims).toBe(1);
    expect(workers[killed]!.signalCode).toBe("SIGKILL");
    // The killed worker's unit was done by another: every unit the coordinator queued was completed by the survivors
    // (an agent whose dataset is empty keeps its weights and queues nothing).
    const queued = new Set([...coord.out.matchAll(/queued (queue\/train\/\S+)/g)].map((m) => m[1]));
    const done = new Set([...logs.filter((_, i) => i !== killed).join("").matchAll(/done (queue\/train\/\S+)/g)].map((m) => m[1]));
    expect(queued.size).toBeGreaterThanOrEqual(2);
    expect(done).toEqual(queued);
    expect(logs[killed]).not.toMatch(/done queue\/train/);

    expect(await contents(dbUrl("coord"))).toEqual(await contents(dbUrl("single")));
    const [a, b] = [results(join(tmp, "single")), results(join(tmp, "coord"))];
    expect(stripTimes(b)).toEqual(stripTimes(a));
    for (const w of workers) if (w.exitCode === null) w.kill("SIGTERM");
  }, 900_000);
});

/** results.json less wall-clock figures. */
function stripTimes(r: unknown): unknown {
  return JSON.parse(JSON.stringify(r, (k, v) => (/seconds|_s$|Ms$|latency|elapsed|created|time/i.test(k) ? undefined : v)));
}
