/**
 * A coordinator's side of one queue unit, for every kind of unit: send it (once: the job id is derived
 * from the run and the unit key, so a coordinator killed and started again waits for the same job), then
 * wait until a worker has completed it in the run's unit ledger. While it waits it watches the unit's
 * heartbeat lease and fails an attempt whose worker is gone (unit-lease.ts); pg-boss retries it elsewhere.
 */
import { createHash } from "node:crypto";
import type PgBoss from "pg-boss";
import { UserError } from "../errors.js";
import type { Store } from "../store/index.js";
import type { QueueName } from "./boss.js";
import { lostWorker, unitLeaseKey } from "./unit-lease.js";

export interface UnitQueue {
  boss: PgBoss;
  store: Store;
  runId: string;
  /** How often the ledger is read while waiting. Default 250 ms. */
  pollMs?: number;
  log?: (line: string) => void;
}

/** What every unit's job data starts with: whose run, and its ledger key there. */
export interface UnitRef {
  runId: string;
  key: string;
}

/** What the queue holds of a unit's awaited completion. */
export interface AwaitedUnit<R> {
  result: R;
  /** Seconds from sending (or finding) the job to its ledger entry; undefined when it was done already. */
  waited?: number;
}

/**
 * The unit's ledger result: the stored one when it is done already, else after a worker has done it.
 * `data` is built only when the unit has to be sent (it may store artifacts).
 */
export async function awaitUnit<R>(
  q: UnitQueue,
  queue: QueueName,
  key: string,
  data: () => Promise<UnitRef>,
  signal?: AbortSignal,
): Promise<AwaitedUnit<R>> {
  const done = await q.store.units.get(q.runId, key);
  if (done?.status === "done") return { result: done.result as R };
  const id = jobId(q.runId, key);
  const existing = await q.boss.getJobById(queue, id);
  if (!existing) await q.boss.send(queue, await data(), { id });
  else if (existing.state === "failed" || existing.state === "cancelled") await q.boss.retry(queue, id); // a rerun after a failure tries again
  q.log?.(`  queued ${key} (job ${id})`);
  const t0 = performance.now();
  const result = await waitFor<R>(q, queue, key, id, signal);
  return { result, waited: (performance.now() - t0) / 1000 };
}

const WHAT: Record<QueueName, string> = { train: "training", debate: "debate" };

async function waitFor<R>(q: UnitQueue, queue: QueueName, key: string, id: string, signal?: AbortSignal): Promise<R> {
  let unclaimedSince: number | undefined;
  let told = 0;
  for (;;) {
    signal?.throwIfAborted();
    const done = await q.store.units.get(q.runId, key);
    if (done?.status === "done") return done.result as R;
    const job = await q.boss.getJobById(queue, id);
    if (job?.state === "failed" || job?.state === "cancelled") {
      // The worker's error, as pg-boss stored it: the unit is in the dead-letter queue now.
      const out = job.output as { message?: string } | null;
      const dead = job.state === "failed" && job.deadLetter ? `, dead-lettered to ${job.deadLetter}` : "";
      // What went wrong is the worker's to say (a damaged artifact, a model it cannot load), not a bug here: exit 1.
      throw new UserError(
        `${WHAT[queue]} unit ${key} ${job.state} after ${job.retryCount + 1} attempts${dead}: ${out?.message ?? "no reason given"}`,
      );
    }
    if (job?.state === "active") {
      const lost = lostWorker(job, await q.store.leases.get(unitLeaseKey(q.runId, key)));
      if (lost) {
        // pg-boss counts this as a failed attempt and hands the unit to another worker after its retry delay.
        q.log?.(`  unit ${key}: ${lost}; handing it to another worker`);
        await q.boss.fail(queue, id, { message: `lost its worker: ${lost}` });
      }
    }
    // Nobody claims it: say so once a minute (a coordinator waits for workers that may start later).
    unclaimedSince = job?.state === "created" || job?.state === "retry" ? (unclaimedSince ?? Date.now()) : undefined;
    const waited = unclaimedSince === undefined ? 0 : Math.floor((Date.now() - unclaimedSince) / 60_000);
    if (waited > told)
      q.log?.(
        `  unit ${key}: no worker has claimed it for ${(told = waited)} min (is a \`society worker --queue ${queue}\` running against this database?)`,
      );
    if (unclaimedSince === undefined) told = 0;
    await new Promise((r) => setTimeout(r, q.pollMs ?? 250));
  }
}

/** A UUID (pg-boss job ids are UUIDs) determined by the run and the unit key. */
export function jobId(runId: string, key: string): string {
  const h = createHash("sha256").update(`${runId}\u241f${key}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
