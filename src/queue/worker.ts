/**
 * `society worker`: claims units of any run in a PostgreSQL store and runs them with this machine's trainer
 * (`train`) or inference backend (`debate`). Each of `concurrency` slots per queue is its own pg-boss poller
 * taking one unit at a time; a unit that throws is failed with its error and retried (elsewhere, maybe)
 * until its retries are spent, then dead-lettered. While it runs a unit the worker heartbeats the unit's
 * lease (unit-lease.ts), so a killed worker's unit is handed on within seconds; a training unit that
 * outlives its expiry is stopped here, not left running.
 */
import { join } from "node:path";
import type { ArtifactStore } from "../artifacts/index.js";
import type { Store } from "../store/index.js";
import type { Trainer } from "../training/types.js";
import { holdLease } from "../store/index.js";
import type { UnitRef } from "./await-unit.js";
import { openBoss, QUEUES, type QueueName, type QueueSettings } from "./boss.js";
import { backendCache, runDebateUnit, type BackendCache, type DebateUnit } from "./debate-unit.js";
import { runTrainUnit, type TrainUnit, type WorkerParts } from "./train-unit.js";
import { DEFAULT_UNIT_HEARTBEAT_S, unitLeaseKey, type UnitLeaseMeta } from "./unit-lease.js";

export interface WorkerOptions extends QueueSettings {
  dbUrl: string;
  store: Store;
  artifacts: ArtifactStore;
  trainer: Trainer;
  /** Default: every queue. */
  queues?: QueueName[];
  concurrency?: number;
  threads?: number;
  workDir?: string;
  pollingIntervalSeconds?: number;
  /** Time-to-live of the lease on a unit in hand, in seconds (renewed every quarter). Default 30. */
  heartbeatSeconds?: number;
  log?: (line: string) => void;
}

export interface RunningWorker {
  /** Stops claiming; waits for the units in hand to finish. */
  stop(): Promise<void>;
}

type Parts = WorkerParts & { backends: BackendCache };

/** What runs a unit of each queue; the returned line ends the worker's "done" log line. */
const RUNNERS: { [Q in QueueName]: (u: never, p: Parts, signal: AbortSignal) => Promise<string> } = {
  train: async (u: TrainUnit, p, signal) => `sha256 ${(await runTrainUnit(u, p, signal)).sha256.slice(0, 12)}`,
  debate: async (u: DebateUnit, p, signal) =>
    `${u.request.questions.length} question(s), ${(await runDebateUnit(u, p, signal)).cost?.turns ?? 0} turn(s) generated`,
};

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const queues = o.queues ?? [...QUEUES];
  const boss = await openBoss(o.dbUrl, o);
  const heartbeatMs = (o.heartbeatSeconds ?? DEFAULT_UNIT_HEARTBEAT_S) * 1000;
  const backends = backendCache(o.threads);
  const parts: Parts = {
    store: o.store,
    artifacts: o.artifacts,
    trainer: o.trainer,
    backends,
    workDir: o.workDir ?? join("runs", "worker"),
    threads: o.threads,
    log,
  };
  for (const q of queues) {
    const run = RUNNERS[q] as (u: UnitRef, p: Parts, signal: AbortSignal) => Promise<string>;
    for (let i = 0; i < (o.concurrency ?? 1); i++) {
      await boss.work<UnitRef>(
        q,
        { batchSize: 1, pollingIntervalSeconds: o.pollingIntervalSeconds ?? 1, includeMetadata: true },
        async ([job]) => {
          if (!job) return;
          const { key, runId } = job.data;
          log(`worker ${process.pid}: claimed ${q} ${key} of ${runId} (job ${job.id}, attempt ${job.retryCount + 1})`);
          const t0 = Date.now();
          // pg-boss gives up on the handler at the job's expiry: stop the work a little before, so a unit that
          // is retried elsewhere is not also still running here.
          const expiry = new AbortController();
          const timer = setTimeout(
            () => expiry.abort(new Error(`unit ran past its ${job.expireInSeconds} s limit (--unit-timeout)`)),
            Math.max(1, job.expireInSeconds - 2) * 1000,
          );
          try {
            const meta: UnitLeaseMeta = { job: job.id, attempt: job.retryCount };
            const held = await holdLease(o.store.leases, unitLeaseKey(runId, key), {
              what: `unit ${key} of run ${runId}`,
              ttlMs: heartbeatMs,
              meta,
              log,
            });
            try {
              const said = await run(job.data, parts, AbortSignal.any([expiry.signal, held.signal]));
              log(`worker ${process.pid}: done ${key} in ${((Date.now() - t0) / 1000).toFixed(1)} s (${said})`);
            } finally {
              await held.release();
            }
          } catch (e) {
            log(`worker ${process.pid}: failed ${key}: ${(e as Error).message}`);
            throw e;
          } finally {
            clearTimeout(timer);
          }
        },
      );
    }
  }
  log(`worker ${process.pid}: waiting for units on ${queues.join(", ")} (${o.concurrency ?? 1} at a time each)`);
  return {
    async stop() {
      await boss.stop({ graceful: true, wait: true });
      await backends.close();
    },
  };
}
