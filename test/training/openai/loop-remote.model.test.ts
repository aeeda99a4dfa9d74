/**
 * The multiagent loop, unchanged, with `model.backend: openai` + `training.trainer: openai` pointed at
 * `society serve`: the real CLI runs one iteration (debate → datasets → four remote fine-tuning jobs →
 * evaluation, likelihood metrics scored through the endpoint's echo logprobs). A second run is killed
 * while a remote job is in flight and resumed: it re-attaches to that job rather than creating another.
 */
import Database from "better-sqlite3";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ensureTinyModel } from "../../../src/models/tiny/cache.js";
import { startServe } from "../../../src/server/start.js";
import { serverForFile } from "../../support/server-for-file.js";
import { societyCli } from "../../support/society-cli.js";

const KEY = "loop-key";
const { tmp, server } = serverForFile(
  "loop-remote-",
  async (tmp) => {
    await ensureTinyModel("test");
    return startServe({
      models: ["tiny:test"],
      port: 0,
      apiKey: KEY,
      dataDir: join(tmp, "serve"),
      fineTune: { threads: 1 },
      llama: { threads: 1, parallel: 8, contextSize: 1024 },
    });
  },
  300_000,
);
let client: OpenAI;
beforeAll(() => {
  client = new OpenAI({ apiKey: KEY, baseURL: `${server().url}/v1`, maxRetries: 0 });
});

function config(seed: number, mode: "full" | "lora" = "lora"): string {
  const path = join(tmp, `remote-s${seed}-${mode}.yaml`);
  writeFileSync(
    path,
    stringify({
      name: "loop-remote",
      seed,
      task: { name: "arithmetic", options: { maxValue: 3 }, train: { limit: 8 }, test: { limit: 6 } },
      model: {
        base: "tiny",
        tiny_recipe: "test",
        backend: "openai",
        openai: { base_url: `${server().url}/v1`, api_key_env: "LOOP_TEST_KEY" },
      },
      methods: ["multiagent-ft"],
      agents: 2,
      rounds: 2,
      iterations: 1,
      debate: { summarize: false, max_tokens: 40, concurrency: 8 },
      training: { trainer: "openai", mode, optim: { lr: 0.003, epochs: 1, batch_size: 4 }, val_fraction: 0 },
      metrics: { nll_samples: 2 },
    }),
  );
  return path;
}

const society = (args: string[], killWhen?: (db: Database.Database) => boolean) =>
  societyCli(args, { killWhen, env: { LOOP_TEST_KEY: KEY } });

const rows = (dbPath: string, sql: string) => {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all() as any[];
  } finally {
    db.close();
  }
};

describe("society run with backend openai + trainer openai against society serve", () => {
  it("completes one iteration: four remote fine-tunes, served and evaluated, with likelihood metrics", async () => {
    const db = join(tmp, "a.db");
    const r = await society(["run", config(3), "--db", db, "--out", join(tmp, "a")]);
    expect(r.code, r.out).toBe(0);
    const versions = rows(
      db,
      "select a.role, a.agent_index, v.kind, v.remote_id from model_versions v join agents a on a.id = v.agent_id where v.iteration = 1 order by 1, 2",
    );
    expect(versions).toHaveLength(4);
    const served = (await client.models.list()).data.map((m) => m.id);
    // An agent whose filter kept nothing carries its base forward (kind "base"); every trained one is remote.
    const trained = versions.filter((v) => v.kind !== "base");
    expect(trained.length).toBeGreaterThan(0);
    for (const v of trained) {
      expect(v.kind).toBe("remote");
      expect(v.remote_id).toMatch(/^ft:tiny:society:/);
      expect(served).toContain(v.remote_id);
    }
    const jobs = rows(db, "select status, remote_job_id from training_jobs");
    expect(jobs).toHaveLength(trained.length);
    expect(jobs.every((j) => j.status === "succeeded" && /^ftjob-/.test(j.remote_job_id))).toBe(true);
    for (const j of jobs) expect((await client.fineTuning.jobs.retrieve(j.remote_job_id)).status).toBe("succeeded");
    const metrics = rows(db, "select name, iteration from metrics where method = 'multiagent-ft'").map((m) => `${m.name}@${m.iteration}`);
    for (const m of ["accuracy@0", "accuracy@1", "consensus@1", "cross_agent_nll@1", "kl_estimate@1"]) expect(metrics).toContain(m);
  }, 300_000);

  it("says what to change when the config cannot train remotely", async () => {
    const path = config(5).replace(/\.yaml$/, "-local.yaml");
    writeFileSync(path, readFileSync(config(5), "utf8").replace(/backend: openai/, "backend: llama"));
    const r = await society(["run", path, "--db", join(tmp, "c.db"), "--out", join(tmp, "c")]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/training\.trainer: openai needs model\.backend: openai/);
  });

  it("killed while a remote job runs, resumes by re-attaching to it (no second job)", async () => {
    const before = (await client.fineTuning.jobs.list({ limit: 100 })).data.length;
    const db = join(tmp, "b.db");
    const args = ["run", config(4), "--db", db, "--out", join(tmp, "b")];
    const killed = await society(
      args,
      (d) => !!d.prepare("select 1 from training_jobs where status = 'running' and remote_job_id is not null").get(),
    );
    expect(killed.signal, killed.out).toBe("SIGKILL");
    const inFlight = rows(db, "select remote_job_id from training_jobs where status = 'running'")[0].remote_job_id as string;
    const resumed = await society(args);
    expect(resumed.code, resumed.out).toBe(0);
    expect(resumed.out).toMatch(/resuming run/);
    const jobs = rows(db, "select status, remote_job_id, error from training_jobs order by created_at");
    expect(jobs.filter((j) => j.status === "succeeded").map((j) => j.remote_job_id)).toContain(inFlight);
    expect(jobs.find((j) => j.status === "failed")?.error).toMatch(/re-attached by attempt/);
    expect(rows(db, "select count(*) n from model_versions where iteration = 1")[0].n).toBe(4);
    // One remote job per trained agent (an agent whose dataset came out empty keeps its weights and trains
    // nothing): the interrupted job was not started twice.
    const succeeded = jobs.filter((j) => j.status === "succeeded").map((j) => j.remote_job_id);
    expect(new Set(succeeded).size).toBe(succeeded.length);
    expect((await client.fineTuning.jobs.list({ limit: 100 })).data.length - before).toBe(succeeded.length);
  }, 300_000);
});
