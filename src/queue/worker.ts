/**
 * `society worker`: claims units of any run in a PostgreSQL store and runs them with this machine's trainer.
 * Each of `concurrency` slots is its own pg-boss poller taking one unit at a time; a unit that throws is
 * failed with its error and retried (elsewhere, maybe) until its retries are spent, then dead-lettered.
 */
import { join } from "node:path";
import type { ArtifactStore } from "../artifacts/index.js";
import type { Store } from "../store/index.js";
import type { Trainer } from "../training/types.js";
import { openBoss, type QueueName, type QueueSettings } from "./boss.js";
import { runTrainUnit, type TrainUnit } from "./train-unit.js";

export interface WorkerOptions extends QueueSettings {
  dbUrl: string;
  store: Store;
  artifacts: ArtifactStore;
  trainer: Trainer;
  queues?: QueueName[];
  concurrency?: number;
  threads?: number;
  workDir?: string;
  pollingIntervalSeconds?: number;
  log?: (line: string) => void;
}

export interface RunningWorker {
  /** Stops claiming; waits for the units in hand to finish. */
  stop(): Promise<void>;
}

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const boss = await openBoss(o.dbUrl, o);
  const parts = { store: o.store, artifacts: o.artifacts, trainer: o.trainer, workDir: o.workDir ?? join("runs", "worker"), threads: o.threads, log };
  for (const q of o.queues ?? ["train"]) {
    for (let i = 0; i < (o.concurrency ?? 1); i++) {
      await boss.work<TrainUnit>(q, { batchSize: 1, pollingIntervalSeconds: o.pollingIntervalSeconds ?? 1 }, async ([job]) => {
        if (!job) return;
        log(`worker ${process.pid}: claimed ${q} ${job.data.key} of ${job.data.runId} (job ${job.id})`);
        const t0 = Date.now();
        try {
          const r = await runTrainUnit(job.data, parts);
          log(`worker ${process.pid}: done ${job.data.key} in ${((Date.now() - t0) / 1000).toFixed(1)} s (sha256 ${r.sha256.slice(0, 12)})`);
        } catch (e) {
          log(`worker ${process.pid}: failed ${job.data.key}: ${(e as Error).message}`);
          throw e;
        }
      });
    }
  }
  log(`worker ${process.pid}: waiting for units on ${(o.queues ?? ["train"]).join(", ")} (${o.concurrency ?? 1} at a time)`);
  return { stop: () => boss.stop({ graceful: true, wait: true }) };
}
