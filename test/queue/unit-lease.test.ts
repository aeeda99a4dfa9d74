import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { CLAIM_GRACE_MS, lostWorker, unitLeaseKey } from "../../src/queue/unit-lease.js";
import type { Lease } from "../../src/store/rows.js";

const now = new Date("2026-12-01T12:00:00Z");
const lease = (o: Partial<Lease> & { attempt: number }): Lease => ({
  key: unitLeaseKey("r1", "queue/train/a.gguf"),
  token: "t",
  host: "elsewhere",
  pid: 1,
  meta: { job: "j", attempt: o.attempt },
  acquiredAt: new Date(now.getTime() - 20_000),
  renewedAt: new Date(now.getTime() - 5_000),
  expiresAt: new Date(now.getTime() + 25_000),
  ...o,
});

describe("lostWorker", () => {
  const job = { retryCount: 1, startedOn: new Date(now.getTime() - 20_000) };
  it("a live heartbeat of the current attempt keeps the unit", () => {
    expect(lostWorker(job, lease({ attempt: 1 }), now)).toBeUndefined();
  });
  it("an expired lease of the current attempt, or its process gone on this host, loses it", () => {
    expect(lostWorker(job, lease({ attempt: 1, expiresAt: new Date(now.getTime() - 1) }), now)).toMatch(
      /worker pid 1 on elsewhere stopped heartbeating \(last beat 5 s ago\)/,
    );
    // A pid that cannot be alive, on this host: stale before it expires.
    expect(lostWorker(job, lease({ attempt: 1, host: hostname(), pid: 2 ** 22 + 12345 }), now)).toMatch(/stopped heartbeating/);
  });
  it("the killed worker's lease of an earlier attempt does not count against the next one, which gets the claim grace", () => {
    const dead = lease({ attempt: 0, expiresAt: new Date(now.getTime() - 1) });
    expect(lostWorker(job, dead, now)).toBeUndefined();
    expect(lostWorker({ ...job, startedOn: new Date(now.getTime() - CLAIM_GRACE_MS - 1000) }, dead, now)).toMatch(
      /claimed 61 s ago and no worker holds it/,
    );
    expect(lostWorker({ ...job, startedOn: new Date(now.getTime() - CLAIM_GRACE_MS - 1000) }, undefined, now)).toMatch(
      /no worker holds it/,
    );
  });
});
