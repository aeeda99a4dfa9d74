/**
 * The kill-at-random trial: a small run of every method, SIGKILLed at a seeded random moment, then resumed
 * by the same command; the finished store must equal an uninterrupted run's: the same results.json, the
 * same row count in every table (training attempts the kill cut short are kept as "abandoned" and not
 * counted), and the same content (turns, datasets, model versions, metrics). Nothing may stay "running".
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { stringify } from "yaml";
import { Rng } from "../../src/util/rng.js";
import { society } from "./cli.js";

/** Every method, the `test` tiny model, tiny splits: one uninterrupted run is well under a minute on a quiet 2-core box. */
export const ALL_METHODS_CONFIG = {
  name: "reliability",
  seed: 3,
  task: { name: "arithmetic", options: { maxValue: 3 }, train: { limit: 6 }, test: { limit: 4 } },
  model: { base: "tiny", tiny_recipe: "test", context_size: 512 },
  methods: [
    "base",
    "majority",
    "debate",
    "single-agent-ft",
    "majority-ft",
    "star",
    "multiagent-ft",
    "multiagent-ft-no-critic",
    "multiagent-ft-no-summary",
    "single-agent-all-data",
    "malt-sft-only",
    "malt",
  ],
  agents: 2,
  rounds: 2,
  iterations: 1,
  // MALT trees on 3 of the train questions: 3 + 9 + 27 nodes each. context_length 384 holds a refiner's prompt and
  // reply (at 128 every DPO pair was cut to no reply token and the run failed).
  malt: { branching: 3, chains: 2, train_questions: 3 },
  debate: { summarize: false, max_tokens: 24, concurrency: 8 },
  training: { lora: { rank: 2, alpha: 4 }, optim: { lr: 0.003, epochs: 1, batch_size: 4 }, val_fraction: 0, context_length: 384 },
  metrics: { nll_samples: 1 },
};

export interface Snapshot {
  results: string;
  counts: Record<string, number>;
  content: string;
  staleRunning: number;
  abandoned: number;
}

/** What a finished store is: the report, every table's row count, a digest of the content a resume could change. */
export function snapshot(dbPath: string, outDir: string): Snapshot {
  const db = new Database(dbPath, { readonly: true });
  const all = (sql: string) => db.prepare(sql).all();
  const tables = (
    all(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%' order by name",
    ) as { name: string }[]
  ).map((t) => t.name);
  const counts = Object.fromEntries(
    tables.map((t) => [
      t,
      (db.prepare(`select count(*) n from "${t}"${t === "training_jobs" ? " where status != 'abandoned'" : ""}`).get() as { n: number }).n,
    ]),
  );
  const content = createHash("sha256")
    .update(
      JSON.stringify([
        all(
          "select d.method, d.iteration, d.phase, q.qid, d.final_answer, d.status from debates d join questions q on q.id = d.question_id order by 1,2,3,4",
        ),
        all(
          "select d.method, d.iteration, d.phase, q.qid, a.role, a.agent_index, t.round, t.node, t.completion, t.parsed_answer from turns t join debates d on d.id = t.debate_id join questions q on q.id = d.question_id join agents a on a.id = t.agent_id order by 1,2,3,4,5,6,7,8",
        ),
        all(
          "select d.method, a.role, a.agent_index, d.iteration, d.kind, d.row_count, d.sha256 from datasets d join agents a on a.id = d.agent_id order by 1,2,3,4,5",
        ),
        all(
          "select a.method, a.role, a.agent_index, v.iteration, v.kind, v.sha256 from model_versions v join agents a on a.id = v.agent_id order by 1,2,3,4",
        ),
        // Time metrics (`*_seconds`) measure the machine, and the generation-cost counters (`gen_*`, methods/debate-adapter.ts)
        // count what each attempt generated itself (a killed attempt loses its share by design): neither is what the run computed.
        all(
          "select method, iteration, name, scope, value from metrics where name not like '%\\_seconds' escape '\\' and name not like 'gen\\_%' escape '\\' order by 1,2,3,4",
        ),
        all("select key from units order by 1"),
      ]),
    )
    .digest("hex");
  const staleRunning = (
    db
      .prepare(
        "select (select count(*) from runs where status = 'running') + (select count(*) from training_jobs where status in ('running', 'queued')) n",
      )
      .get() as { n: number }
  ).n;
  const abandoned = (db.prepare("select count(*) n from training_jobs where status = 'abandoned'").get() as { n: number }).n;
  db.close();
  const runId = readdirSync(outDir).find((f) => f.startsWith("reliability-"))!;
  return { results: readFileSync(join(outDir, runId, "report", "results.json"), "utf8"), counts, content, staleRunning, abandoned };
}

export interface TrialResult {
  trial: number;
  killAtMs: number;
  killed: boolean;
  resumeCode: number | null;
  identical: boolean;
  diff: string[];
  staleRunning: number;
  abandoned: number;
}

export interface KillReport {
  referenceMs: number;
  trials: TrialResult[];
}

export async function killTrials(o: {
  dir: string;
  trials: number;
  seed: number;
  log: (l: string) => void;
}): Promise<{ report: KillReport; reference: { db: string; out: string; config: string } }> {
  mkdirSync(o.dir, { recursive: true });
  const config = join(o.dir, "all-methods.yaml");
  writeFileSync(config, stringify(ALL_METHODS_CONFIG));
  const args = (name: string) => ["run", config, "--db", join(o.dir, `${name}.db`), "--out", join(o.dir, name)];

  o.log("reference: one uninterrupted run of every method");
  const ref = await society(args("reference"));
  if (ref.code !== 0) throw new Error(`the reference run failed (${ref.code}):\n${ref.out.slice(-3000)}`);
  const reference = snapshot(join(o.dir, "reference.db"), join(o.dir, "reference"));
  o.log(
    `reference: ${(ref.ms / 1000).toFixed(1)} s, ${Object.entries(reference.counts)
      .map(([t, n]) => `${t} ${n}`)
      .join(", ")}`,
  );

  const rng = new Rng(o.seed);
  const trials: TrialResult[] = [];
  // How long a run takes now: the machine's load moves it, so a run that finished before its kill moment
  // resets it and the trial draws again (on a fresh store), up to 4 times.
  let expectedMs = ref.ms;
  for (let i = 1; i <= o.trials; i++) {
    const name = `trial-${String(i).padStart(2, "0")}`;
    let killAtMs = 0;
    let r1: Awaited<ReturnType<typeof society>> | undefined;
    for (let attempt = 1; attempt <= 4; attempt++) {
      rmSync(join(o.dir, `${name}.db`), { force: true });
      rmSync(join(o.dir, name), { recursive: true, force: true });
      // A moment anywhere in the run: from process start-up (store not yet made) to the report being written.
      killAtMs = Math.round((0.02 + 0.96 * rng.next()) * expectedMs);
      let child: import("node:child_process").ChildProcess | undefined;
      const first = society(args(name), { onSpawn: (c) => (child = c) });
      const timer = setTimeout(() => child?.kill("SIGKILL"), killAtMs);
      r1 = await first;
      clearTimeout(timer);
      if (r1.signal === "SIGKILL") break;
      expectedMs = r1.ms;
    }
    const killed = r1!.signal === "SIGKILL";
    const at = killed ? stateAt(join(o.dir, `${name}.db`)) : "";
    const r2 = await society(args(name));
    let t: TrialResult = { trial: i, killAtMs, killed, resumeCode: r2.code, identical: false, diff: [], staleRunning: -1, abandoned: 0 };
    if (r2.code === 0) {
      const s = snapshot(join(o.dir, `${name}.db`), join(o.dir, name));
      const diff: string[] = [];
      if (s.results !== reference.results) diff.push("results.json");
      for (const [table, n] of Object.entries(reference.counts))
        if (s.counts[table] !== n) diff.push(`${table} ${s.counts[table]} vs ${n}`);
      if (s.content !== reference.content) diff.push("content");
      t = { ...t, identical: diff.length === 0, diff, staleRunning: s.staleRunning, abandoned: s.abandoned };
    } else {
      t.diff.push(`resume exited ${r2.code}: ${r2.out.trim().split("\n").at(-1)}`);
    }
    trials.push(t);
    o.log(
      `trial ${i}/${o.trials}: kill at ${(killAtMs / 1000).toFixed(1)} s (${killed ? `killed ${at}` : "finished first, 4 draws"}); resume ${r2.code === 0 ? "ok" : "FAILED"}; ${t.identical ? "identical" : `DIFFERS: ${t.diff.join("; ")}`}; stale running ${t.staleRunning}; abandoned ${t.abandoned}`,
    );
  }
  return { report: { referenceMs: ref.ms, trials }, reference: { db: join(o.dir, "reference.db"), out: join(o.dir, "reference"), config } };
}

/** Where a killed run stood: how far its store got. */
function stateAt(dbPath: string): string {
  if (!existsSync(dbPath)) return "before the store existed";
  try {
    const db = new Database(dbPath, { readonly: true });
    const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const s = `with ${n("select count(*) n from units")} units, ${n("select count(*) n from turns")} turns done${n("select count(*) n from training_jobs where status = 'running'") ? ", while training" : ""}`;
    db.close();
    return s;
  } catch {
    return "before the tables existed";
  }
}
