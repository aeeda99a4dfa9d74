import { describe, expect, it } from "vitest";
import { runKey } from "../../src/util/run-key.js";

describe("runKey", () => {
  it("is the slug, method, seed and a hash of what the run computes (pinned: stored runs are found by it)", () => {
    // Values by the formula of the two copies this replaced (run/run-id.ts and eval/resolve.ts at c55bbb9).
    expect(runKey({ name: "My Run!", seed: 3, computes: { agents: 3, task: { name: "arithmetic" } } })).toBe("my-run-s3-c77a34b1");
    expect(runKey({ name: "eval", method: "debate", seed: 1, computes: { b: 1, a: [1, 2] } })).toBe("eval-debate-s1-94a786c3");
  });
  it("ignores key order, falls back to 'run' for a name with no letters", () => {
    expect(runKey({ name: "x", seed: 1, computes: { a: 1, b: 2 } })).toBe(runKey({ name: "x", seed: 1, computes: { b: 2, a: 1 } }));
    expect(runKey({ name: "***", seed: 1, computes: {} })).toMatch(/^run-s1-[0-9a-f]{8}$/);
  });
});
