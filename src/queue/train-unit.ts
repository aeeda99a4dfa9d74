/**
 * A training job as a queue unit. The coordinator sends what the trainer needs, with its model files as
 * artifacts (sha256); a worker fetches them from the artifact store (verified), trains with its own
 * trainer, stores the result as an artifact and completes the unit through the run's unit ledger, where the
 * first completion wins: a unit done twice (an expired worker that was only slow) is written once.
 */
import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { ArtifactStore } from "../artifacts/index.js";
import type { Store } from "../store/index.js";
import type { TrainRequest, TrainResult, Trainer } from "../training/types.js";

/** The request less its files and callbacks (they do not travel), as JSON. */
export type PortableTrainRequest = Omit<TrainRequest, "baseModelPath" | "initAdapterPath" | "outPath" | "onProgress" | "onLog" | "signal">;

export interface TrainUnit {
  runId: string;
  /** The unit's ledger key in the run. */
  key: string;
  /** sha256 of the base model and its file name (the trainer writes the name into the adapter it saves). */
  base: string;
  baseName: string;
  initAdapter?: string;
  request: PortableTrainRequest;
}

/** What the ledger holds for a finished unit: the result, its file named by sha256 in the artifact store. */
export type TrainUnitResult = Omit<TrainResult, "outPath">;

export interface WorkerParts {
  store: Store;
  artifacts: ArtifactStore;
  trainer: Trainer;
  /** Scratch space for outputs before they go to the artifact store. */
  workDir: string;
  /** CPU threads when the run's config does not set training.threads. */
  threads?: number;
  log: (line: string) => void;
}

export async function runTrainUnit(u: TrainUnit, w: WorkerParts, signal?: AbortSignal): Promise<TrainUnitResult> {
  const done = await w.store.units.get(u.runId, u.key);
  if (done?.status === "done") return done.result as TrainUnitResult;
  const dir = join(w.workDir, `${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  try {
    // The base under its own file name, as on the coordinator: the adapter's metadata names it, and must not differ.
    const baseModelPath = join(dir, basename(u.baseName));
    symlinkSync(resolve(await w.artifacts.get(u.base, ".gguf")), baseModelPath);
    const initAdapterPath = u.initAdapter ? await w.artifacts.get(u.initAdapter, ".gguf") : undefined;
    const { outPath: out, ...result } = await w.trainer.train({
      ...u.request,
      baseModelPath,
      initAdapterPath,
      outPath: join(dir, "out.gguf"),
      threads: u.request.threads ?? w.threads,
      signal,
      onLog: (l) => w.log(`  ${u.key}: ${l}`),
      onProgress: (p) => {
        if (p.step === 1 || p.step === p.totalSteps) w.log(`  training ${u.key}: step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(3)}`);
      },
    });
    await w.artifacts.put(out, result.sha256);
    const row = await w.store.units.markDone(u.runId, u.key, result);
    return row.result as TrainUnitResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
