import { describe, expect, it } from "vitest";
import { isRetryable, withRetries } from "../../src/backends/openai/retry.js";
import { isUserError } from "../../src/errors.js";

const httpError = (status: number, headers: Record<string, string> = {}) =>
  Object.assign(new Error(`status ${status}`), { status, headers });

describe("withRetries", () => {
  it("retries retryable failures with doubling delays, honouring Retry-After", async () => {
    const sleeps: number[] = [];
    const errors = [httpError(503), httpError(429, { "retry-after": "2" }), new Error("Connection error.")];
    let calls = 0;
    const out = await withRetries(
      async () => {
        calls++;
        const e = errors.shift();
        if (e) throw e;
        return "ok";
      },
      { maxRetries: 5, baseDelayMs: 100, what: "POST x", sleep: async (ms) => void sleeps.push(ms) },
    );
    expect(out).toBe("ok");
    expect(calls).toBe(4);
    expect(sleeps).toEqual([100, 2000, 400]);
  });

  it("gives up after maxRetries with the last status in the message", async () => {
    const err = await withRetries(
      async () => {
        throw httpError(500);
      },
      { maxRetries: 2, baseDelayMs: 1, what: "POST x", sleep: async () => {} },
    ).catch((e) => e);
    expect(err.message).toBe("POST x: failed after 3 attempts: HTTP 500: status 500");
    expect(isUserError(err)).toBe(false);
  });

  it("does not retry client errors: they become UserErrors at once", async () => {
    let calls = 0;
    const err = await withRetries(
      async () => {
        calls++;
        throw httpError(401);
      },
      { maxRetries: 3, baseDelayMs: 1, what: "POST x", sleep: async () => {} },
    ).catch((e) => e);
    expect(calls).toBe(1);
    expect(isUserError(err)).toBe(true);
    expect(err.message).toBe("POST x: HTTP 401: status 401");
  });

  it("classifies errors", () => {
    expect([408, 409, 429, 500, 502, 503].map((s) => isRetryable(httpError(s)))).toEqual([true, true, true, true, true, true]);
    expect([400, 401, 403, 404, 422].map((s) => isRetryable(httpError(s)))).toEqual([false, false, false, false, false]);
    expect(isRetryable(Object.assign(new Error("Request timed out."), { name: "TimeoutError" }))).toBe(true);
    expect(isRetryable(new Error("fetch failed"))).toBe(true);
    expect(isRetryable(new TypeError("x is not a function"))).toBe(false);
  });
});
