import { AsyncLocalStorage } from "node:async_hooks";
import { stringify } from "yaml";
import type { Agent, Metric, Run, Store, TrainingJob } from "../store/index.js";
import type { Tracker } from "./tracker.js";
import type { MetricPoint, TrackedStatus } from "./types.js";

/**
 * A Store that also feeds a Tracker from what it writes: the run (its resolved config as params and as
 * `config.yaml`), its status, every metric set, and each finished training job's loss curve. Events are sent
 * only once the write has committed — inside `store.transaction` they wait for the outermost commit and are
 * dropped if it rolls back — and sending never blocks or fails the write.
 */
export function trackedStore(store: Store, tracker: Tracker, warn: (line: string) => void): Store {
  const pending = new AsyncLocalStorage<(() => Promise<void> | void)[]>();
  const labels = new Map<string, Agent>();
  const emit = (fn: () => Promise<void> | void) => {
    const frame = pending.getStore();
    if (frame) return void frame.push(fn);
    deliver(fn);
  };
  const deliver = (fn: () => Promise<void> | void) => {
    try {
      Promise.resolve(fn()).catch((e) => warn(`tracking: ${(e as Error).message}`));
    } catch (e) {
      warn(`tracking: ${(e as Error).message}`);
    }
  };
  const agentOf = async (id: string): Promise<Agent | undefined> => {
    if (!labels.has(id)) {
      const a = await store.agents.get(id);
      if (a) labels.set(id, a);
    }
    return labels.get(id);
  };
  const label = (a: Agent) => `${a.role}${a.agentIndex}`;

  const onRun = (r: Run, status?: TrackedStatus, error?: string | null) => {
    tracker.run({ id: r.id, name: r.name, seed: r.seed, methods: r.methods as string[], config: r.config });
    if (status) tracker.status(r.id, status, error);
  };
  const onMetrics = async (rows: readonly Metric[]) => {
    const byRun = new Map<string, MetricPoint[]>();
    for (const m of rows) {
      const key = await metricKey(m, agentOf);
      if (!key) continue;
      const list = byRun.get(m.runId) ?? [];
      list.push({ key, value: m.value, step: m.iteration, timestamp: Date.now() });
      byRun.set(m.runId, list);
    }
    for (const [runId, points] of byRun) tracker.metrics(runId, points);
  };
  const onJob = async (j: TrainingJob) => {
    if (j.status !== "succeeded" || !j.lossCurve?.length) return;
    const a = await agentOf(j.agentId);
    if (!a) return;
    const base = `${a.method}/%s/${label(a)}`;
    const t = (j.finishedAt ?? new Date()).getTime();
    const points: MetricPoint[] = [];
    for (const p of j.lossCurve) {
      points.push({ key: `${base.replace("%s", "train_loss")}/it${j.iteration}`, value: p.loss, step: p.step, timestamp: t });
      // The local trainer's curve names it valLoss (TrainResult), the store's type evalLoss: take either.
      const val = (p as { valLoss?: number }).valLoss ?? p.evalLoss;
      if (typeof val === "number")
        points.push({ key: `${base.replace("%s", "val_loss")}/it${j.iteration}`, value: val, step: p.step, timestamp: t });
    }
    // One point per iteration too, so the trend over iterations is a single curve.
    points.push({ key: base.replace("%s", "final_train_loss"), value: j.lossCurve.at(-1)!.loss, step: j.iteration, timestamp: t });
    tracker.metrics(j.runId, points);
  };

  return {
    ...store,
    runs: {
      ...store.runs,
      create: async (input) => {
        const r = await store.runs.create(input);
        emit(() => {
          onRun(r, (r.status === "created" ? "running" : r.status) as TrackedStatus);
          tracker.artifact(r.id, "config.yaml", stringify(r.config));
        });
        return r;
      },
      setStatus: async (id, status, error) => {
        const r = await store.runs.setStatus(id, status, error);
        emit(() => onRun(r, status === "created" ? "running" : status, error));
        return r;
      },
    },
    agents: {
      ...store.agents,
      getOrCreate: async (k) => {
        const a = await store.agents.getOrCreate(k);
        labels.set(a.id, a);
        return a;
      },
    },
    metrics: {
      ...store.metrics,
      put: async (items) => {
        const rows = await store.metrics.put(items);
        emit(() => onMetrics(rows));
        return rows;
      },
    },
    trainingJobs: {
      ...store.trainingJobs,
      update: async (id, patch) => {
        const j = await store.trainingJobs.update(id, patch);
        emit(() => onJob(j));
        return j;
      },
    },
    transaction: async <T>(fn: () => Promise<T>): Promise<T> => {
      if (pending.getStore()) return store.transaction(fn); // nested: the outer commit sends
      const frame: (() => Promise<void> | void)[] = [];
      const out = await store.transaction(() => pending.run(frame, fn));
      for (const f of frame) deliver(f);
      return out;
    },
  };
}

/** Metric keys: `<method>/<name>` for the run, `<method>/<name>/<agent>` per agent; per-question metrics stay in the store. */
async function metricKey(m: Metric, agentOf: (id: string) => Promise<Agent | undefined>): Promise<string | undefined> {
  if (m.scope === "run") return `${m.method}/${m.name}`;
  if (m.scope.startsWith("question:")) return undefined;
  if (m.scope.startsWith("agent:")) {
    const a = await agentOf(m.scope.slice("agent:".length));
    return `${m.method}/${m.name}/${a ? `${a.role}${a.agentIndex}` : m.scope.slice("agent:".length)}`;
  }
  return `${m.method}/${m.name}/${m.scope}`;
}
