/**
 * Heartbeats of units in hand. pg-boss 10 knows a unit is lost only when it expires, and its expiry is
 * also the longest a unit may run, so one number cannot both catch a SIGKILLed worker soon and let a long
 * training job finish. A worker therefore holds a store lease on each unit it runs (renewed every
 * ttl/4, with the attempt it works on); whoever waits for the unit fails the job in pg-boss as soon as that
 * lease goes stale — expired, or its process gone on this host — and pg-boss hands it to another worker.
 */
import { isStale } from "../store/index.js";
import type { Lease } from "../store/rows.js";

/** A worker takes its unit's lease at once; a claimed unit with no lease after this long lost its worker. */
export const CLAIM_GRACE_MS = 60_000;
/** Default lease time-to-live of a unit in hand (`society worker --heartbeat`). */
export const DEFAULT_UNIT_HEARTBEAT_S = 30;

export function unitLeaseKey(runId: string, key: string): string {
  return `unit:${runId}:${key}`;
}

export interface UnitLeaseMeta {
  job: string;
  /** pg-boss's retry count of the attempt the holder works on. */
  attempt: number;
}

/** What pg-boss says of a job that is active. */
export interface ActiveAttempt {
  retryCount: number;
  startedOn: Date;
}

/**
 * Why the worker of an active attempt is taken to be lost, or undefined while it is alive. A lease of an
 * earlier attempt (the killed worker's) does not count for the current one, which gets the claim grace.
 */
export function lostWorker(job: ActiveAttempt, lease: Lease | undefined, now = new Date()): string | undefined {
  const mine = lease && (lease.meta as UnitLeaseMeta | null)?.attempt === job.retryCount ? lease : undefined;
  if (mine) {
    if (!isStale(mine, now)) return undefined;
    const ago = Math.round((now.getTime() - mine.renewedAt.getTime()) / 1000);
    return `worker pid ${mine.pid} on ${mine.host} stopped heartbeating (last beat ${ago} s ago)`;
  }
  const since = now.getTime() - job.startedOn.getTime();
  return since > CLAIM_GRACE_MS ? `claimed ${Math.round(since / 1000)} s ago and no worker holds it` : undefined;
}
