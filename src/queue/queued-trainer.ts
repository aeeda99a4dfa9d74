/**
 * The coordinator's Trainer: instead of training, it sends the job to the `train` queue and waits until a
 * worker has completed it in the unit ledger (await-unit.ts), then copies the artifact (verified by sha256)
 * to where the method expects the file.
 */
import { copyFileSync, renameSync, rmSync } from "node:fs";
import { basename, relative } from "node:path";
import type { ArtifactStore } from "../artifacts/index.js";
import type { TrainRequest, TrainResult, Trainer } from "../training/types.js";
import { awaitUnit, type UnitQueue } from "./await-unit.js";
import type { TrainUnit, TrainUnitResult } from "./train-unit.js";

export interface QueuedTrainerOptions extends UnitQueue {
  artifacts: ArtifactStore;
  /** Stores a model file once per process (artifacts/put-once.ts), shared with the other queued parts. */
  put: (path: string) => Promise<string>;
  runDir: string;
}

export function queuedTrainer(o: QueuedTrainerOptions): Trainer {
  return {
    async train(req: TrainRequest): Promise<TrainResult> {
      const key = `queue/train/${relative(o.runDir, req.outPath)}`;
      const { baseModelPath, initAdapterPath, outPath: _out, onProgress: _p, onLog: _l, signal, ...request } = req;
      const unit = async (): Promise<TrainUnit> => ({
        runId: o.runId,
        key,
        base: await o.put(baseModelPath),
        baseName: basename(baseModelPath),
        initAdapter: initAdapterPath ? await o.put(initAdapterPath) : undefined,
        request,
      });
      const { result, waited } = await awaitUnit<TrainUnitResult>(o, "train", key, unit, signal);
      // What the queue costs a unit beyond its training: claim latency, artifact transfers, ledger polling.
      if (waited !== undefined)
        o.log?.(
          `  unit ${key}: waited ${waited.toFixed(2)} s, trained ${result.seconds.toFixed(2)} s on a worker, overhead ${(waited - result.seconds).toFixed(2)} s`,
        );
      const local = await o.artifacts.get(result.sha256, ".gguf");
      const tmp = `${req.outPath}.${process.pid}.tmp`;
      try {
        copyFileSync(local, tmp);
        renameSync(tmp, req.outPath);
      } finally {
        rmSync(tmp, { force: true });
      }
      return { ...result, outPath: req.outPath };
    },
  };
}
