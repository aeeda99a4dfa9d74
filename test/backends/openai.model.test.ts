import { Hono } from "hono";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaBackend } from "../../src/backends/llama/backend.js";
import { OpenAIBackend } from "../../src/backends/openai/backend.js";
import type { ChatMessage, GenerateOptions } from "../../src/backends/types.js";
import { isUserError } from "../../src/errors.js";
import { createScriptedLlamaGguf } from "../../src/models/scripted-model.js";
import { ensureTestModel } from "../../src/models/test-model.js";
import { listen, type RunningServer } from "../../src/server/listen.js";
import { createOpenAIApp } from "../../src/server/openai-app.js";

const chat: ChatMessage[] = [{ role: "user", content: "What is 3+4? Answer in \\boxed{}." }];
const sampling: GenerateOptions = { temperature: 1, topP: 0.9, maxTokens: 16, seed: 5 };

let dir: string;
let random: string;
let seven: string;
let llama: LlamaBackend;
let server: RunningServer;
/** Scripted failures in front of the real server: the next `failures` requests get this status. */
let flaky: { failures: number; status: number; seen: number; stripEcho: boolean; delayMs: number; active: number; maxActive: number };
let front: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "society-openai-"));
  random = await ensureTestModel();
  seven = createScriptedLlamaGguf({ path: join(dir, "seven.gguf"), reply: "\\boxed{7}" });
  llama = await LlamaBackend.create({ gpu: false, threads: 1, parallel: 4, contextSize: 512 });
  const app = createOpenAIApp({ backend: llama, models: { random: { base: random }, seven: { base: seven } } });
  server = await listen(app);
  // A second loopback server that fails on command, then forwards to the real one over HTTP.
  flaky = { failures: 0, status: 503, seen: 0, stripEcho: false, delayMs: 0, active: 0, maxActive: 0 };
  const proxy = new Hono();
  proxy.all("*", async (c) => {
    flaky.seen++;
    flaky.maxActive = Math.max(flaky.maxActive, ++flaky.active);
    try {
      if (flaky.delayMs) await new Promise((r) => setTimeout(r, flaky.delayMs));
      if (flaky.failures > 0) {
        flaky.failures--;
        return c.json(
          { error: { message: `scripted ${flaky.status}` } },
          flaky.status as 503,
          flaky.status === 429 ? { "retry-after": "0" } : {},
        );
      }
      let body = await c.req.text();
      if (flaky.stripEcho && body) body = JSON.stringify({ ...JSON.parse(body), echo: undefined });
      const url = new URL(c.req.url);
      const res = await fetch(`${server.url}${url.pathname}`, {
        method: c.req.method,
        headers: { "content-type": "application/json" },
        body: body || undefined,
      });
      return new Response(await res.text(), { status: res.status, headers: { "content-type": "application/json" } });
    } finally {
      flaky.active--;
    }
  });
  front = await listen(proxy);
});

afterAll(async () => {
  await front?.close();
  await server?.close();
  await llama?.close();
  rmSync(dir, { recursive: true, force: true });
});

const remote = (extra: Partial<ConstructorParameters<typeof OpenAIBackend>[0]> = {}) =>
  new OpenAIBackend({ baseURL: `${server.url}/v1`, env: {}, retryBaseMs: 10, ...extra });

describe("openai backend over a real loopback HTTP server", () => {
  it("generates the same text as the llama backend for the same seed, with token usage", async () => {
    const o = remote();
    const [viaHttp, direct] = await Promise.all([
      o.generate({ base: "random" }, chat, sampling),
      llama.generate({ base: random }, chat, sampling),
    ]);
    expect(viaHttp.text).toBe(direct.text);
    expect(viaHttp).toMatchObject({ promptTokens: direct.promptTokens, completionTokens: 16, finishReason: "length" });
    const done = await o.generate({ base: "seven" }, chat, { ...sampling, temperature: 0 });
    expect(done).toMatchObject({ text: "\\boxed{7}", finishReason: "stop", completionTokens: 9 });
    const stopped = await o.generate({ base: "seven" }, chat, { ...sampling, temperature: 0, stop: ["{"] });
    expect(stopped.text).toBe("\\boxed");
    expect(viaHttp.latencyMs).toBeGreaterThan(0);
  });

  it("scores a completion through echo logprobs exactly as the llama backend does", async () => {
    const o = remote();
    const a = await o.score({ base: "random" }, chat, "The answer is \\boxed{7}.");
    const b = await llama.score({ base: random }, chat, "The answer is \\boxed{7}.");
    expect(a.tokens).toBe(b.tokens);
    expect(a.logprob).toBeCloseTo(b.logprob, 9);
  });

  it("refuses to score on an endpoint that does not echo, with a UserError", async () => {
    flaky.stripEcho = true;
    try {
      const err = await remote({ baseURL: `${front.url}/v1` })
        .score({ base: "seven" }, chat, "\\boxed{7}")
        .catch((e) => e);
      expect(isUserError(err)).toBe(true);
      expect(err.message).toMatch(/cannot score a given completion/);
    } finally {
      flaky.stripEcho = false;
    }
  });

  it("retries 429 and 5xx answers with backoff, then succeeds", async () => {
    flaky.seen = 0;
    flaky.failures = 2;
    flaky.status = 429;
    const g = await remote({ baseURL: `${front.url}/v1`, maxRetries: 3 }).generate({ base: "seven" }, chat, {
      ...sampling,
      temperature: 0,
    });
    expect(g.text).toBe("\\boxed{7}");
    expect(flaky.seen).toBe(3);
    flaky.seen = 0;
    flaky.failures = 5;
    flaky.status = 503;
    const err = await remote({ baseURL: `${front.url}/v1`, maxRetries: 2 })
      .generate({ base: "seven" }, chat, sampling)
      .catch((e) => e);
    expect(flaky.seen).toBe(3);
    expect(err.message).toMatch(/failed after 3 attempts: HTTP 503/);
    flaky.failures = 0;
  });

  it("times out slow requests (and retries them)", async () => {
    flaky.seen = 0;
    flaky.delayMs = 400;
    try {
      const err = await remote({ baseURL: `${front.url}/v1`, timeoutS: 0.1, maxRetries: 1 })
        .generate({ base: "seven" }, chat, sampling)
        .catch((e) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toMatch(/failed after 2 attempts/);
      expect(flaky.seen).toBe(2);
    } finally {
      flaky.delayMs = 0;
    }
  });

  it("turns client errors into one-line UserErrors and bounds concurrency", async () => {
    const err = await remote()
      .generate({ base: "nope" }, chat, sampling)
      .catch((e) => e);
    expect(isUserError(err)).toBe(true);
    expect(err.message).toMatch(/HTTP 404: .*model "nope" does not exist/);
    expect(() => new OpenAIBackend({ env: {} })).toThrow(/set \$OPENAI_API_KEY/);
    const lora = await remote()
      .generate({ base: "random", adapter: "/x.gguf" }, chat, sampling)
      .catch((e) => e);
    expect(isUserError(lora)).toBe(true);

    // Requests abandoned by the timeout test may still sleep in the proxy: let them drain first.
    while (flaky.active > 0) await new Promise((r) => setTimeout(r, 20));
    flaky.seen = 0;
    flaky.maxActive = 0;
    flaky.delayMs = 100;
    const o = remote({ baseURL: `${front.url}/v1`, concurrency: 2 });
    try {
      const res = await Promise.all(Array.from({ length: 6 }, () => o.generate({ base: "seven" }, chat, { ...sampling, temperature: 0 })));
      expect(res.every((r) => r.text === "\\boxed{7}")).toBe(true);
    } finally {
      flaky.delayMs = 0;
    }
    expect(flaky.maxActive).toBe(2);
    expect(flaky.seen).toBe(6);
  });
});
