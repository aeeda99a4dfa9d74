/**
 * Scale-out: the same multiagent-ft config with its debates and training jobs on 1 and then 2 `society
 * worker`s (each with 1 thread), against a throwaway PostgreSQL on loopback (as the store tests start one).
 *
 *   npx tsx eval/bench/workers/bench.ts [--agents 2] [--train 24] [--epochs 3] [--chunk 4]
 *
 * Prints, per worker count: the coordinator's wall time, the wall time of the training phase (first unit
 * queued → last unit back), the coordinator's overhead per unit ((training phase × workers − Σ training
 * seconds) / units: claim latency, artifact transfers, ledger polling), and whether results.json matches
 * across worker counts; and the debate phases (queued chunks → all back, summed over the run's debates, with
 * the workers' own seconds in them). The last line is `speed-up of 2 workers over 1 (training phase): S`.
 * Timings are noisy on a shared machine.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { stringify } from "yaml";
import { startPostgres } from "../../../test/store/pg-server.js";
import { benchFlags } from "../common/flags.js";

const a = benchFlags({ agents: 2, train: 24, epochs: 3, chunk: 4 });
const root = resolve(import.meta.dirname, "../../..");
const server = await startPostgres();
if ("skip" in server) throw new Error(`no PostgreSQL: ${server.skip}`);
const tmp = mkdtempSync(join(tmpdir(), "society-bench-workers-"));
const config = {
  name: "bench-workers",
  seed: 1,
  task: { name: "arithmetic", options: { maxValue: 3 }, train: { limit: a.train }, test: { limit: 4 } },
  model: { base: "tiny", tiny_recipe: "test", context_size: 1024 },
  methods: ["multiagent-ft"],
  agents: a.agents,
  rounds: 2,
  iterations: 1,
  debate: { summarize: false, max_tokens: 32, concurrency: 8 },
  training: {
    lora: { rank: 4, alpha: 8 },
    optim: { lr: 0.003, epochs: a.epochs, batch_size: 2 },
    val_fraction: 0,
    context_length: 256,
    threads: 1,
  },
  metrics: { nll_samples: 0 },
};
const cfg = join(tmp, "config.yaml");
writeFileSync(cfg, stringify(config));
const env = { ...process.env, SOCIETY_LLAMA_THREADS: "1" };
const cli = join(root, "bin/society.js");

interface Trial {
  wall: number;
  trainPhase: number;
  overheads: number[];
  trained: number[];
  debatePhase: number;
  debateUnits: number;
  debateWork: number;
  results: string;
}

async function trial(workers: number): Promise<Trial> {
  const db = `w${workers}`;
  const admin = new pg.Client({ connectionString: (server as { url: string }).url });
  await admin.connect();
  await admin.query(`drop database if exists ${db}`);
  await admin.query(`create database ${db}`);
  await admin.end();
  const url = (server as { url: string }).url.replace(/\/[^/]*$/, `/${db}`);
  const artifacts = join(tmp, `artifacts-${db}`);
  const procs = Array.from({ length: workers }, (_, i) =>
    spawn(process.execPath, [cli, "worker", "--db", url, "--artifacts", artifacts, "--work-dir", join(tmp, `${db}-w${i}`)], {
      cwd: root,
      env,
      stdio: "ignore",
    }),
  );
  const t0 = performance.now();
  let first = 0;
  let last = 0;
  const overheads: number[] = [];
  const trained: number[] = [];
  const debate = { phase: 0, units: 0, work: 0 };
  const code = await new Promise<number | null>((done) => {
    const c = spawn(
      process.execPath,
      [cli, "run", cfg, "--db", url, "--out", join(tmp, db), "--workers", "--artifacts", artifacts, "--debate-chunk", String(a.chunk)],
      { cwd: root, env },
    );
    let buf = "";
    c.stderr.on("data", (d) => {
      buf += d;
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (/ queued queue\/train\//.test(line) && !first) first = performance.now();
        const m = / unit \S+: waited ([\d.]+) s, trained ([\d.]+) s on a worker, overhead (-?[\d.]+) s/.exec(line);
        if (m) {
          last = performance.now();
          trained.push(Number(m[2]));
          overheads.push(Number(m[3]));
        }
        const d = /: (\d+) debate unit\(s\) done on workers in ([\d.]+) s \(([\d.]+) s of worker time\)/.exec(line);
        if (d) {
          debate.units += Number(d[1]);
          debate.phase += Number(d[2]);
          debate.work += Number(d[3]);
        }
      }
    });
    c.stdout.resume();
    c.on("exit", done);
  });
  const wall = (performance.now() - t0) / 1000;
  for (const p of procs) p.kill("SIGTERM");
  if (code !== 0) throw new Error(`coordinator with ${workers} workers exited ${code}`);
  const id = readdirSync(join(tmp, db)).find((f) => f.startsWith("bench-workers-"))!;
  const r = JSON.parse(readFileSync(join(tmp, db, id, "report/results.json"), "utf8"));
  return {
    wall,
    trainPhase: (last - first) / 1000,
    overheads,
    trained,
    debatePhase: debate.phase,
    debateUnits: debate.units,
    debateWork: debate.work,
    results: JSON.stringify(r.methods),
  };
}

try {
  const one = await trial(1);
  const two = await trial(2);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  for (const [n, t] of [
    [1, one],
    [2, two],
  ] as const) {
    // Worker time not spent training, per unit: claim latency, artifact transfers, ledger polling (the slack of the phase).
    const overhead = (t.trainPhase * n - t.trained.reduce((x, y) => x + y, 0)) / Math.max(1, t.trained.length);
    console.log(
      `${n} worker(s): run ${t.wall.toFixed(1)} s, training phase ${t.trainPhase.toFixed(1)} s for ${t.trained.length} units (${mean(t.trained).toFixed(2)} s training each), coordinator overhead per unit ${overhead.toFixed(2)} s (mean wait beyond the unit's own training, queueing included: ${mean(t.overheads).toFixed(2)} s); debate phases ${t.debatePhase.toFixed(1)} s for ${t.debateUnits} units (${t.debateWork.toFixed(1)} s of worker time)`,
    );
  }
  console.log(`speed-up of 2 workers over 1 (debate phases): ${(one.debatePhase / two.debatePhase).toFixed(2)}`);
  console.log(`results.json methods identical across worker counts: ${one.results === two.results}`);
  console.log(`speed-up of 2 workers over 1 (training phase): ${(one.trainPhase / two.trainPhase).toFixed(2)}`);
} finally {
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
}
