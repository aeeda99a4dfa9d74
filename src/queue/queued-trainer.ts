/**
 * The coordinator's Trainer: instead of training, it sends the job to the `train` queue and waits until a
 * worker has completed it in the unit ledger, then copies the artifact (verified by sha256) to where the
 * method expects the file. The job id is derived from the run and the unit, so a coordinator that is killed
 * and started again waits for the same job instead of sending a second one. While it waits it watches the
 * unit's heartbeat lease and fails an attempt whose worker is gone (unit-lease.ts).
 */
import { createHash } from "node:crypto";
import { copyFileSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, relative } from "node:path";
import type PgBoss from "pg-boss";
import type { ArtifactStore } from "../artifacts/index.js";
import { UserError } from "../errors.js";
import type { Store } from "../store/index.js";
import type { TrainRequest, TrainResult, Trainer } from "../training/types.js";
import type { TrainUnit, TrainUnitResult } from "./train-unit.js";
import { lostWorker, unitLeaseKey } from "./unit-lease.js";

export interface QueuedTrainerOptions {
  boss: PgBoss;
  store: Store;
  artifacts: ArtifactStore;
  runId: string;
  runDir: string;
  /** How often the ledger is read while waiting. Default 250 ms. */
  pollMs?: number;
  log?: (line: string) => void;
}

export function queuedTrainer(o: QueuedTrainerOptions): Trainer {
  const shaOf = new Map<string, Promise<string>>();
  // Model files are immutable once written: each is hashed and stored once per process (size+mtime guard).
  const put = (path: string) => {
    const st = statSync(path);
    const k = `${path}|${st.size}|${st.mtimeMs}`;
    let p = shaOf.get(k);
    if (!p) shaOf.set(k, (p = o.artifacts.put(path)));
    return p;
  };
  return {
    async train(req: TrainRequest): Promise<TrainResult> {
      const key = `queue/train/${relative(o.runDir, req.outPath)}`;
      let result = (await o.store.units.get(o.runId, key))?.result as TrainUnitResult | undefined;
      if (!result) {
        const { baseModelPath, initAdapterPath, outPath: _out, onProgress: _p, onLog: _l, signal, ...request } = req;
        const unit: TrainUnit = { runId: o.runId, key, base: await put(baseModelPath), baseName: basename(baseModelPath), initAdapter: initAdapterPath ? await put(initAdapterPath) : undefined, request };
        const id = jobId(o.runId, key);
        const existing = await o.boss.getJobById("train", id);
        if (!existing) await o.boss.send("train", unit, { id });
        else if (existing.state === "failed" || existing.state === "cancelled") await o.boss.retry("train", id); // a rerun after a failure tries again
        o.log?.(`  queued ${key} (job ${id})`);
        const t0 = performance.now();
        result = await waitFor(o, key, id, signal);
        // What the queue costs a unit beyond its training: claim latency, artifact transfers, ledger polling.
        const waited = (performance.now() - t0) / 1000;
        o.log?.(`  unit ${key}: waited ${waited.toFixed(2)} s, trained ${result.seconds.toFixed(2)} s on a worker, overhead ${(waited - result.seconds).toFixed(2)} s`);
      }
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

async function waitFor(o: QueuedTrainerOptions, key: string, id: string, signal?: AbortSignal): Promise<TrainUnitResult> {
  let unclaimedSince: number | undefined;
  let told = 0;
  for (;;) {
    signal?.throwIfAborted();
    const done = await o.store.units.get(o.runId, key);
    if (done?.status === "done") return done.result as TrainUnitResult;
    const job = await o.boss.getJobById<TrainUnit>("train", id);
    if (job?.state === "failed" || job?.state === "cancelled") {
      // The worker's error, as pg-boss stored it: the unit is in the dead-letter queue now.
      const out = job.output as { message?: string } | null;
      const dead = job.state === "failed" && job.deadLetter ? `, dead-lettered to ${job.deadLetter}` : "";
      // What went wrong is the worker's to say (a damaged artifact, a model it cannot load), not a bug here: exit 1.
      throw new UserError(`training unit ${key} ${job.state} after ${job.retryCount + 1} attempts${dead}: ${out?.message ?? "no reason given"}`);
    }
    if (job?.state === "active") {
      const lost = lostWorker(job, await o.store.leases.get(unitLeaseKey(o.runId, key)));
      if (lost) {
        // pg-boss counts this as a failed attempt and hands the unit to another worker after its retry delay.
        o.log?.(`  unit ${key}: ${lost}; handing it to another worker`);
        await o.boss.fail("train", id, { message: `lost its worker: ${lost}` });
      }
    }
    // Nobody claims it: say so once a minute (a coordinator waits for workers that may start later).
    unclaimedSince = job?.state === "created" || job?.state === "retry" ? (unclaimedSince ?? Date.now()) : undefined;
    const waited = unclaimedSince === undefined ? 0 : Math.floor((Date.now() - unclaimedSince) / 60_000);
    if (waited > told) o.log?.(`  unit ${key}: no worker has claimed it for ${(told = waited)} min (is a \`society worker\` running against this database?)`);
    if (unclaimedSince === undefined) told = 0;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
  }
}

/** A UUID (pg-boss job ids are UUIDs) determined by the run and the unit key. */
export function jobId(runId: string, key: string): string {
  const h = createHash("sha256").update(`${runId}\u241f${key}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
