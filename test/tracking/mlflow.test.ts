import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { openStore, type Store } from "../../src/store/index.js";
import { openTracker, trackReport } from "../../src/tracking/open.js";
import { trackedStore } from "../../src/tracking/store-feed.js";
import { startFakeMlflow, type FakeMlflow } from "../support/mlflow-server.js";

const dir = mkdtempSync(join(tmpdir(), "society-mlflow-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let mlflow: FakeMlflow;
let store: Store;
let n = 0;
beforeEach(async () => {
  mlflow = await startFakeMlflow();
  store = await openStore(join(dir, `s${n++}.db`));
});
afterEach(async () => {
  await store.close();
  await mlflow.close();
});

const yaml = (uri: string, extra = "") =>
  `name: tracked\ntask: {name: arithmetic}\ntracking:\n  mlflow: {uri: "${uri}", experiment: society-test, timeout_s: 2}\n${extra}`;

/** The writes a run makes, in the order `society run` makes them, through a tracked store. */
async function simulateRun(s: Store, runId: string, config: unknown) {
  await s.runs.create({ id: runId, name: "tracked", methods: ["multiagent-ft"], config, seed: 1, status: "running" });
  const g0 = await s.agents.getOrCreate({ runId, method: "multiagent-ft", role: "generator", agentIndex: 0 });
  const q = (await s.questions.record([{ task: "arithmetic", split: "test", qid: "q1", text: "1+1", gold: "2", meta: null }]))[0]!;
  await s.transaction(async () => {
    await s.metrics.put([
      { runId, method: "multiagent-ft", iteration: 0, name: "accuracy", scope: "run", value: 0.25 },
      { runId, method: "multiagent-ft", iteration: 0, name: "accuracy", scope: `agent:${g0.id}`, value: 0.5 },
      { runId, method: "multiagent-ft", iteration: 0, name: "correct", scope: `question:${q.id}`, value: 1 },
    ]);
    await s.units.markDone(runId, "eval/0");
  });
  const job = await s.trainingJobs.create({ runId, agentId: g0.id, iteration: 1, trainer: "local", status: "running" });
  await s.trainingJobs.update(job.id, {
    status: "succeeded",
    lossCurve: [{ step: 1, loss: 2.5 }, { step: 2, loss: 1.5, valLoss: 1.7 } as any],
  });
  await s.metrics.put([{ runId, method: "multiagent-ft", iteration: 1, name: "accuracy", scope: "run", value: 0.5 }]);
  await s.runs.setStatus(runId, "done");
}

/** `simulateRun` through a store tracked to the MLflow server at `uri`; the config and the warnings it gave. */
async function trackedRun(runId: string, uri = mlflow.url) {
  const config = parseConfig(yaml(uri));
  const warnings: string[] = [];
  const tracker = openTracker(config.tracking, store, (l) => warnings.push(l))!;
  await simulateRun(
    trackedStore(store, tracker, (l) => warnings.push(l)),
    runId,
    config,
  );
  await tracker.close();
  return { config, warnings };
}

describe("MLflow tracking over its REST API (loopback server)", () => {
  it("logs the run, its resolved config as params and config.yaml, metrics per iteration, loss curves, and the status", async () => {
    const { config, warnings } = await trackedRun("tracked-s1-abc");
    expect(warnings).toEqual([]);

    expect(mlflow.experiments.get("society-test")).toBeDefined();
    expect(mlflow.runs.size).toBe(1);
    const run = [...mlflow.runs.values()][0]!;
    expect(run.info).toMatchObject({
      run_name: "tracked-s1-abc",
      status: "FINISHED",
      experiment_id: mlflow.experiments.get("society-test"),
    });
    expect(run.info.end_time).toBeGreaterThan(0);
    expect(Object.fromEntries(run.tags)).toMatchObject({
      "mlflow.runName": "tracked-s1-abc",
      "society.run_id": "tracked-s1-abc",
      "society.seed": "1",
      "society.status": "done",
    });
    expect(run.params.get("training.lora.rank")).toBe("8");
    expect(run.params.get("training.lora.targets")).toBe(JSON.stringify(config.training.lora.targets));
    expect(run.params.get("tracking.mlflow.uri")).toBe(mlflow.url);
    expect(run.params.get("task.name")).toBe("arithmetic");
    expect(run.artifacts.get("config.yaml")?.toString()).toBe(stringify(config));
    const m = run.metrics.map((x) => `${x.key}@${x.step}=${x.value}`);
    expect(m).toEqual([
      "multiagent-ft/accuracy@0=0.25",
      "multiagent-ft/accuracy/generator0@0=0.5",
      "multiagent-ft/train_loss/generator0/it1@1=2.5",
      "multiagent-ft/train_loss/generator0/it1@2=1.5",
      "multiagent-ft/val_loss/generator0/it1@2=1.7",
      "multiagent-ft/final_train_loss/generator0@1=1.5",
      "multiagent-ft/accuracy@1=0.5",
    ]);
    // The status changes came after the writes they follow.
    expect(mlflow.calls.filter((c) => c.includes("runs/update"))).toHaveLength(2);
  });

  it("sends nothing for a transaction that rolls back, and everything once an outer one commits", async () => {
    const config = parseConfig(yaml(mlflow.url));
    const tracker = openTracker(config.tracking, store, () => {})!;
    const s = trackedStore(store, tracker, () => {});
    await s.runs.create({ id: "r-s1-x", name: "r", methods: ["debate"], config, seed: 1 });
    const metric = (value: number) => ({ runId: "r-s1-x", method: "debate", iteration: 0, name: "accuracy", scope: "run", value });
    await expect(
      s.transaction(async () => {
        await s.metrics.put([metric(0.1)]);
        throw new Error("unit failed");
      }),
    ).rejects.toThrow("unit failed");
    await tracker.flush();
    await s.transaction(async () => {
      await s.transaction(async () => s.metrics.put([metric(0.2)]));
      // (Not tracker.flush() here: the MLflow sink itself writes to the store, which waits for this transaction.)
      await new Promise((r) => setTimeout(r, 200));
      // Inside the outer transaction: nothing sent yet.
      expect([...mlflow.runs.values()][0]?.metrics ?? []).toEqual([]);
    });
    await tracker.close();
    expect([...mlflow.runs.values()][0]!.metrics.map((x) => x.value)).toEqual([0.2]);
    expect((await store.metrics.list({ runId: "r-s1-x" })).map((x) => x.value)).toEqual([0.2]);
  });

  it("a resumed run logs into the same MLflow run", async () => {
    const config = parseConfig(yaml(mlflow.url));
    const first = openTracker(config.tracking, store, () => {})!;
    const s1 = trackedStore(store, first, () => {});
    await s1.runs.create({ id: "r-s1-y", name: "r", methods: ["debate"], config, seed: 1, status: "running" });
    await s1.metrics.put([{ runId: "r-s1-y", method: "debate", iteration: 0, name: "accuracy", scope: "run", value: 0.3 }]);
    await first.close(); // the process dies here
    const second = openTracker(config.tracking, store, () => {})!;
    const s2 = trackedStore(store, second, () => {});
    await s2.runs.setStatus("r-s1-y", "running");
    await s2.metrics.put([{ runId: "r-s1-y", method: "debate", iteration: 1, name: "accuracy", scope: "run", value: 0.4 }]);
    await s2.runs.setStatus("r-s1-y", "done");
    await second.close();
    expect(mlflow.calls.filter((c) => c.endsWith("runs/create"))).toHaveLength(1);
    const run = [...mlflow.runs.values()][0]!;
    expect(run.metrics.map((x) => x.value)).toEqual([0.3, 0.4]);
    expect(run.info.status).toBe("FINISHED");
  });

  it("uploads the report through the artifact proxy", async () => {
    const config = parseConfig(yaml(mlflow.url));
    const tracker = openTracker(config.tracking, store, () => {})!;
    await trackedStore(store, tracker, () => {}).runs.create({ id: "r-s1-z", name: "r", methods: ["debate"], config, seed: 1 });
    await tracker.close();
    const report = join(dir, "report-z");
    mkdirSync(join(report, "charts"), { recursive: true });
    writeFileSync(join(report, "report.md"), "# Report\n");
    writeFileSync(join(report, "charts", "accuracy.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const warnings: string[] = [];
    await trackReport(config.tracking, store, "r-s1-z", report, (l) => warnings.push(l));
    expect(warnings).toEqual([]);
    const run = [...mlflow.runs.values()][0]!;
    expect(run.artifacts.get("report/report.md")?.toString()).toBe("# Report\n");
    expect([...run.artifacts.get("report/charts/accuracy.png")!]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(mlflow.calls.filter((c) => c.endsWith("runs/create"))).toHaveLength(1);
  });
});

describe("tracking never breaks or slows a run", () => {
  it("a failing server gives warnings, once per kind; every store write lands", async () => {
    mlflow.faults.set("runs/log-batch", { status: 500 });
    const { warnings } = await trackedRun("r-s1-f");
    expect(warnings[0]).toMatch(
      /^tracking \(mlflow: start\) failed, the run goes on: POST \/api\/2\.0\/mlflow\/runs\/log-batch: HTTP 500 INTERNAL_ERROR/,
    );
    expect(warnings.some((w) => /tracking \(mlflow: metrics\) failed/.test(w))).toBe(true);
    expect(warnings.some((w) => /tracking \(mlflow: metrics\): 2 more failures of the same kind/.test(w))).toBe(true);
    expect((await store.runs.get("r-s1-f"))!.status).toBe("done");
    expect(await store.metrics.list({ runId: "r-s1-f" })).toHaveLength(4);
  });

  it("no server at all: one warning per kind, the writes land", async () => {
    const url = mlflow.url;
    await mlflow.close();
    const { warnings } = await trackedRun("r-s1-d", url);
    expect(warnings[0]).toMatch(/tracking \(mlflow: start\) failed, the run goes on: fetch failed/);
    expect(warnings.some((w) => /no MLflow run for r-s1-d/.test(w))).toBe(true);
    expect((await store.runs.get("r-s1-d"))!.status).toBe("done");
    mlflow = await startFakeMlflow(); // for afterEach
  });

  it("a server that stalls does not delay the writes, and close() gives up after its deadline", async () => {
    mlflow.faults.set("runs/create", { delayMs: 5000 });
    const config = parseConfig(yaml(mlflow.url));
    const warnings: string[] = [];
    const tracker = openTracker(config.tracking, store, (l) => warnings.push(l), { closeTimeoutMs: 500 })!;
    const s = trackedStore(store, tracker, (l) => warnings.push(l));
    const t0 = performance.now();
    await simulateRun(s, "r-s1-slow", config);
    const writes = performance.now() - t0;
    const t1 = performance.now();
    await tracker.close();
    const closing = performance.now() - t1;
    console.log(`[tracking] writes with a stalled server: ${writes.toFixed(0)} ms; close gave up after ${closing.toFixed(0)} ms`);
    expect(writes).toBeLessThan(1000);
    expect(closing).toBeLessThan(1500);
    expect(warnings.some((w) => /gave up waiting for the trackers/.test(w))).toBe(true);
  });

  it("a tracking server without the artifact proxy: a warning that says how to fix it", async () => {
    await mlflow.close();
    mlflow = await startFakeMlflow({ artifactScheme: "local" });
    const { warnings } = await trackedRun("r-s1-a");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/artifact store is \/mlruns\/.*--serve-artifacts/);
    expect([...mlflow.runs.values()][0]!.metrics.length).toBe(7);
  });
});
