/**
 * Leases: who is working on a named piece of work (`run:<id>` today; units of a run for workers later).
 * One row per key. Taking a lease is a compare-and-swap on its random token, so it is safe on every
 * dialect without locks: insert if absent; else replace the row only if it is stale and still carries the
 * token we read. A lease is stale when it expired (its holder stopped renewing: crashed, killed, or cut
 * off) or, on the same host, when its holder's process is gone — so a killed run resumes at once.
 * Times are the holders' clocks: hosts sharing a database need clocks within a small part of the TTL.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { and, asc, eq, sql } from "drizzle-orm";
import { UserError } from "../errors.js";
import { pidAlive } from "../util/pid.js";
import type { Ctx } from "./ctx.js";
import type { Lease } from "./rows.js";

export interface LeaseHolder {
  host: string;
  pid: number;
  /** What the holder is doing, for the message another process prints (e.g. the command line). */
  meta?: unknown;
}

export type Acquired =
  { acquired: true; lease: Lease; /** the stale lease this one replaced */ tookOver?: Lease } | { acquired: false; holder: Lease };

/** This process, as a lease holder. */
export function thisProcess(meta?: unknown): LeaseHolder {
  return { host: hostname(), pid: process.pid, meta: meta ?? null };
}

/** Whether a lease no longer protects anything: expired, or held by a process of this host that is gone. */
export function isStale(l: Lease, now = new Date()): boolean {
  if (l.expiresAt.getTime() <= now.getTime()) return true;
  return l.host === hostname() && l.pid !== process.pid && !pidAlive(l.pid);
}

export function leasesRepo(ctx: Ctx) {
  const l = ctx.t.leases;
  const get = async (key: string): Promise<Lease | undefined> => {
    const [row] = await ctx.db().select().from(l).where(eq(l.key, key));
    return row;
  };
  return {
    /** Takes the lease on `key` for `ttlMs` unless a live holder has it (then says who). */
    acquire: async (key: string, holder: LeaseHolder, ttlMs: number): Promise<Acquired> => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const now = new Date();
        const row = {
          key,
          token: randomUUID(),
          host: holder.host,
          pid: holder.pid,
          meta: holder.meta ?? null,
          acquiredAt: now,
          renewedAt: now,
          expiresAt: new Date(now.getTime() + ttlMs),
        };
        const [inserted] = await ctx.db().insert(l).values(row).onConflictDoNothing({ target: l.key }).returning();
        if (inserted) return { acquired: true, lease: inserted };
        const cur = await get(key);
        if (!cur) continue; // released between the insert and the read
        if (!isStale(cur, now)) return { acquired: false, holder: cur };
        const [took] = await ctx
          .db()
          .update(l)
          .set(row)
          .where(and(eq(l.key, key), eq(l.token, cur.token)))
          .returning();
        if (took) return { acquired: true, lease: took, tookOver: cur };
        // another process took it first: look again
      }
      const cur = await get(key);
      if (cur) return { acquired: false, holder: cur };
      throw new Error(`store: lease ${key} keeps changing hands`);
    },
    /** Extends the lease; false when it is no longer ours (it expired and someone took it). */
    renew: async (key: string, token: string, ttlMs: number): Promise<boolean> => {
      const now = new Date();
      const rows = await ctx
        .db()
        .update(l)
        .set({ renewedAt: now, expiresAt: new Date(now.getTime() + ttlMs) })
        .where(and(eq(l.key, key), eq(l.token, token)))
        .returning({ key: l.key });
      return rows.length === 1;
    },
    /** Gives the lease up; false when it was not ours any more. */
    release: async (key: string, token: string): Promise<boolean> =>
      (
        await ctx
          .db()
          .delete(l)
          .where(and(eq(l.key, key), eq(l.token, token)))
          .returning({ key: l.key })
      ).length === 1,
    get,
    /** Leases whose key starts with `prefix` (all when omitted), by key. */
    list: (prefix?: string): Promise<Lease[]> =>
      ctx
        .db()
        .select()
        .from(l)
        .where(prefix ? eq(sql`substr(${l.key}, 1, ${prefix.length})`, prefix) : undefined)
        .orderBy(asc(l.key)),
  };
}

export type LeasesRepo = ReturnType<typeof leasesRepo>;

/** A live holder has the lease: the message says who, since when, and what to do. */
export class LeaseHeldError extends UserError {
  override name = "LeaseHeldError";
  constructor(
    readonly what: string,
    readonly holder: Lease,
  ) {
    const ago = Math.max(0, Math.round((Date.now() - holder.renewedAt.getTime()) / 1000));
    const cmd = (holder.meta as { command?: unknown } | null)?.command;
    super(
      `${what} is already in progress: held by pid ${holder.pid} on host ${holder.host} since ${stamp(holder.acquiredAt)}` +
        `${typeof cmd === "string" ? ` (${cmd})` : ""}, last heartbeat ${ago} s ago. Wait for it to finish or stop it; ` +
        `if that process is gone, its lease expires at ${stamp(holder.expiresAt)}.`,
    );
  }
}

const stamp = (d: Date) => `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;

export interface HeldLease {
  lease: Lease;
  tookOver?: Lease;
  /** Aborted if the lease is lost (another process took it after it expired): stop working. */
  signal: AbortSignal;
  release(): Promise<void>;
}

/**
 * Takes the lease and keeps it: a heartbeat renews it every `ttlMs / 4` until release(). Throws
 * LeaseHeldError when a live holder has it. A heartbeat that cannot reach the store retries at the next
 * beat; one that finds the lease gone aborts `signal`.
 */
export async function holdLease(
  repo: LeasesRepo,
  key: string,
  o: { what: string; ttlMs?: number; meta?: unknown; log?: (line: string) => void },
): Promise<HeldLease> {
  const ttlMs = o.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const got = await repo.acquire(key, thisProcess(o.meta), ttlMs);
  if (!got.acquired) throw new LeaseHeldError(o.what, got.holder);
  const { token } = got.lease;
  const lost = new AbortController();
  let beating: Promise<void> | undefined;
  const beat = setInterval(
    () => {
      beating ??= repo
        .renew(key, token, ttlMs)
        .then(
          (ok) => {
            if (!ok && !lost.signal.aborted) {
              o.log?.(`warning: lost the lease of ${o.what} (another process took it over); stopping`);
              lost.abort(new UserError(`lost the lease of ${o.what} to another process`));
            }
          },
          (err: unknown) => o.log?.(`warning: could not renew the lease of ${o.what}: ${(err as Error).message}`),
        )
        .finally(() => (beating = undefined));
    },
    Math.max(50, Math.floor(ttlMs / 4)),
  );
  beat.unref();
  return {
    lease: got.lease,
    tookOver: got.tookOver,
    signal: lost.signal,
    release: async () => {
      clearInterval(beat);
      await beating;
      await repo.release(key, token).catch(() => false);
    },
  };
}

/** Two minutes: long enough for a slow beat under load, short enough that a crashed holder's work is soon free. */
export const DEFAULT_LEASE_TTL_MS = 120_000;
