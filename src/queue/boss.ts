/**
 * pg-boss on the run store's own PostgreSQL database (its tables in schema `pgboss`). Queues: one per kind of
 * unit, each with a dead-letter queue `<name>-dead` that receives a unit after its retries are spent. A
 * unit whose worker dies (SIGKILL, a lost machine) stops heartbeating its lease and is failed by the
 * coordinator within seconds (unit-lease.ts); pg-boss hands it to another worker as one of its retries. The
 * job's expiry is only the longest a unit may run, the backstop when no coordinator watches.
 */
import PgBoss from "pg-boss";
import { UserError } from "../errors.js";

export const QUEUES = ["train", "debate"] as const;
export type QueueName = (typeof QUEUES)[number];

export interface QueueSettings {
  /** Attempts after the first. Default 2. */
  retries?: number;
  /** The longest a unit may run; past it the attempt is given up and retried. Default 6 h (pg-boss allows 24 h). */
  expireInSeconds?: number;
}

export const DEFAULT_UNIT_TIMEOUT_S = 6 * 3600;

export async function openBoss(dbUrl: string, s: QueueSettings = {}): Promise<PgBoss> {
  if (!/^postgres(ql)?:\/\//.test(dbUrl))
    throw new UserError(`--db ${dbUrl}: workers share a PostgreSQL store (postgres://…); SQLite and PGlite runs stay in one process`);
  const expire = s.expireInSeconds ?? DEFAULT_UNIT_TIMEOUT_S;
  const boss = new PgBoss({
    connectionString: dbUrl,
    schema: "pgboss",
    max: 4,
    // Expiry is found by the maintenance pass: often enough that an expired unit waits ~1/4 of its expiry more.
    maintenanceIntervalSeconds: Math.max(1, Math.min(60, Math.floor(expire / 4))),
    monitorStateIntervalSeconds: 60,
  });
  boss.on("error", (e) => process.stderr.write(`warning: queue: ${(e as Error).message}\n`));
  await boss.start();
  for (const name of QUEUES) {
    const opts = { retryLimit: s.retries ?? 2, retryDelay: 1, retryBackoff: true, expireInSeconds: expire };
    await ensureQueue(boss, `${name}-dead`, {});
    await ensureQueue(boss, name, { ...opts, deadLetter: `${name}-dead` });
    await boss.updateQueue(name, { name, ...opts, deadLetter: `${name}-dead` });
  }
  return boss;
}

/** Creates a queue unless it exists (several processes may start at once: the loser of the race finds it). */
async function ensureQueue(boss: PgBoss, name: string, opts: Omit<PgBoss.Queue, "name">): Promise<void> {
  if (await boss.getQueue(name)) return;
  try {
    await boss.createQueue(name, { name, ...opts });
  } catch (e) {
    if (!(await boss.getQueue(name))) throw e;
  }
}
