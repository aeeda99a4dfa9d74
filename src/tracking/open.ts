import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { RunConfig } from "../config/schema.js";
import type { Store } from "../store/index.js";
import { MlflowSink } from "./mlflow.js";
import { TensorBoardSink } from "./tensorboard.js";
import { Tracker } from "./tracker.js";
import type { TrackingSink } from "./types.js";

export type TrackingConfig = NonNullable<RunConfig["tracking"]>;

/** The trackers a run config names, or undefined when it names none. */
export function openTracker(
  cfg: TrackingConfig | undefined,
  store: Store,
  warn: (line: string) => void,
  opts: { closeTimeoutMs?: number } = {},
): Tracker | undefined {
  const sinks: TrackingSink[] = [];
  if (cfg?.mlflow)
    sinks.push(new MlflowSink({ uri: cfg.mlflow.uri, experiment: cfg.mlflow.experiment, timeoutMs: cfg.mlflow.timeout_s * 1000, store }));
  if (cfg?.tensorboard) sinks.push(new TensorBoardSink(cfg.tensorboard.dir));
  return sinks.length ? new Tracker(sinks, warn, opts) : undefined;
}

/** Logs a written report (every file of its folder, under `report/`) as artifacts of a stored run. */
export async function trackReport(
  cfg: TrackingConfig | undefined,
  store: Store,
  runId: string,
  reportDir: string,
  warn: (line: string) => void,
): Promise<void> {
  const tracker = openTracker(cfg, store, warn);
  if (!tracker) return;
  try {
    const run = await store.runs.get(runId);
    if (!run) return;
    tracker.run({ id: run.id, name: run.name, seed: run.seed, methods: run.methods as string[], config: run.config });
    const walk = (d: string): string[] =>
      readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
    for (const f of walk(reportDir)) tracker.artifact(runId, `report/${relative(reportDir, f).split("\\").join("/")}`, readFileSync(f));
  } finally {
    await tracker.close();
  }
}
