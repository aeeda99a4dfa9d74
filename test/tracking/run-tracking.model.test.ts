/**
 * `society run` with trackers configured, on real parts: the test tiny model, our trainer, a SQLite file,
 * the CLI in a child process, a loopback MLflow server and a TensorBoard folder.
 */
import Database from "better-sqlite3";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import { societyCli } from "../support/society-cli.js";
import { startFakeMlflow } from "../support/mlflow-server.js";
import { serverForFile } from "../support/server-for-file.js";

const { tmp, server: mlflow } = serverForFile(
  "society-run-tracking-",
  async () => {
    await ensureTinyModel("test");
    return startFakeMlflow();
  },
  600_000,
);

describe("society run with tracking", () => {
  it("logs config, per-iteration metrics, every agent's loss curve and the report", async () => {
    const tb = join(tmp, "tb");
    const config = join(tmp, "tracked.yaml");
    writeFileSync(
      config,
      `name: tracked
seed: 2
task: {name: arithmetic, options: {maxValue: 3}, train: {limit: 8}, test: {limit: 4}}
model: {base: tiny, tiny_recipe: test, context_size: 512}
methods: [multiagent-ft]
agents: 2
rounds: 1
iterations: 1
debate: {summarize: false, max_tokens: 30}
training: {lora: {rank: 4, alpha: 8}, optim: {epochs: 1, batch_size: 4}, val_fraction: 0, context_length: 256}
metrics: {nll_samples: 1}
tracking:
  mlflow: {uri: "${mlflow().url}"}
  tensorboard: {dir: "${tb}"}
`,
    );
    const r = await societyCli(["run", config, "--db", join(tmp, "s.db"), "--out", join(tmp, "runs")], {
      env: { SOCIETY_LLAMA_THREADS: "1" },
    });
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toMatch(/warning: tracking/);
    const [run] = [...mlflow().runs.values()];
    expect(mlflow().runs.size).toBe(1);
    expect(run!.info.status).toBe("FINISHED");
    expect(run!.info.run_name).toMatch(/^tracked-s2-[0-9a-f]{8}$/);
    expect(run!.params.get("agents")).toBe("2");
    const keys = new Set(run!.metrics.map((m) => m.key));
    const acc = run!.metrics.filter((m) => m.key === "multiagent-ft/accuracy").map((m) => m.step);
    expect(acc).toEqual([0, 1]);
    // Every agent trained in the store has its loss curve in MLflow (an agent with an empty dataset has none).
    const db = new Database(join(tmp, "s.db"), { readonly: true });
    const trained = db
      .prepare(
        "select a.role || a.agent_index as label from training_jobs j join agents a on a.id = j.agent_id where j.status = 'succeeded'",
      )
      .all() as { label: string }[];
    db.close();
    expect(trained.length).toBeGreaterThan(0);
    expect([...keys].filter((k) => k.includes("/train_loss/")).sort()).toEqual(
      trained.map((t) => `multiagent-ft/train_loss/${t.label}/it1`).sort(),
    );
    expect(run!.artifacts.has("config.yaml")).toBe(true);
    expect(run!.artifacts.has("report/report.md")).toBe(true);
    expect(run!.artifacts.has("report/results.json")).toBe(true);
    const tbRun = readdirSync(tb);
    expect(tbRun).toEqual([run!.info.run_name]);
  }, 900_000);
});
