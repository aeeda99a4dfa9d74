import { describe, expect, it } from "vitest";
import { EndpointPool } from "../../../src/backends/openai/pool.js";

describe("EndpointPool.pick", () => {
  it("spreads by load per slot, round-robin among equals, and passes over cooling endpoints", async () => {
    let t = 0;
    const pool = new EndpointPool({
      endpoints: [
        { baseURL: "http://a/v1", concurrency: 1 },
        { baseURL: "http://b/v1", concurrency: 3 },
      ],
      now: () => t,
    });
    expect([pool.pick(), pool.pick(), pool.pick()]).toEqual([0, 1, 0]);
    // Hold one slot on a (1 slot) and one on b (3 slots): b has less work per slot.
    const [a, b] = pool.members;
    void a!["limit"](() => new Promise(() => {}));
    void b!["limit"](() => new Promise(() => {}));
    await new Promise((r) => setImmediate(r));
    expect(pool.pick()).toBe(1);
    expect(pool.pick(new Set([1]))).toBe(0);
    pool["downUntil"][1] = 10;
    expect(pool.pick()).toBe(0);
    t = 11;
    expect(pool.pick()).toBe(1);
  });
});
