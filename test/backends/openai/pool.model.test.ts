/**
 * The endpoint pool over real loopback HTTP servers: two OpenAI-compatible servers over the llama backend
 * (model-name addressing, as vLLM and `society serve`), and a llama-server-shaped one (`GET /lora-adapters`,
 * per-request `lora` list) in front of them.
 */
import { Hono } from "hono";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaBackend } from "../../../src/backends/llama/backend.js";
import { EndpointPool } from "../../../src/backends/openai/pool.js";
import type { ChatMessage, GenerateOptions } from "../../../src/backends/types.js";
import { isUserError } from "../../../src/errors.js";
import { ensureTestModel, TEST_MODEL_SHAPE } from "../../../src/models/test-model.js";
import { listen, type RunningServer } from "../../../src/server/listen.js";
import { listenCounting } from "../../support/counting-openai-server.js";
import { writeRandomLora } from "../random-lora.js";

const chat: ChatMessage[] = [{ role: "user", content: "What is 3+4? Answer in \\boxed{}." }];
const sampling = (seed: number): GenerateOptions => ({ temperature: 1, topP: 0.9, maxTokens: 12, seed });

let dir: string;
let base: string;
let adapterA: string;
let adapterB: string;
let llama: LlamaBackend;
const servers: RunningServer[] = [];
/** Requests each server received, and the bodies the llama-server-shaped one got. */
const seen = [0, 0];
const loraBodies: unknown[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "society-pool-"));
  base = await ensureTestModel();
  mkdirSync(join(dir, "models"));
  const lora = (name: string, seed: number) =>
    writeRandomLora({ path: join(dir, "models", name), nLayer: TEST_MODEL_SHAPE.nLayer, nEmbd: TEST_MODEL_SHAPE.nEmbd, seed, std: 0.8 });
  adapterA = lora("generator0-it1.gguf", 1);
  adapterB = lora("generator1-it1.gguf", 2);
  llama = await LlamaBackend.create({ gpu: false, threads: 1, parallel: 4, contextSize: 512 });
  // Served under other ids than the client's files: the pool finds them by `root`.
  const models = { "tiny-base": { base }, "agent/g0": { base, adapter: adapterA }, "agent/g1": { base, adapter: adapterB } };
  for (const i of [0, 1]) servers.push(await listenCounting({ backend: llama, models }, () => seen[i]!++));
  // llama-server's API shape: one base, adapters by id; it forwards to server 0 under the matching model id.
  const ids = ["agent/g0", "agent/g1"];
  const ls = new Hono();
  ls.get("/lora-adapters", (c) =>
    c.json([
      { id: 0, path: `/srv/elsewhere/models/generator0-it1.gguf`, scale: 0 },
      { id: 1, path: `/srv/elsewhere/models/generator1-it1.gguf`, scale: 0 },
    ]),
  );
  ls.post("/v1/chat/completions", async (c) => {
    const body = await c.req.json();
    loraBodies.push(body.lora);
    const on = (body.lora as Array<{ id: number; scale: number }>).filter((l) => l.scale > 0);
    const res = await fetch(`${servers[0]!.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...body, lora: undefined, model: on.length ? ids[on[0]!.id] : "tiny-base" }),
    });
    return new Response(await res.text(), { status: res.status, headers: { "content-type": "application/json" } });
  });
  servers.push(await listen(ls));
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.close();
  await llama?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("endpoint pool over loopback servers", () => {
  it("spreads requests over the endpoints, addresses each adapter by served name, and says which endpoint answered", async () => {
    seen[0] = seen[1] = 0;
    const pool = new EndpointPool({
      endpoints: servers
        .slice(0, 2)
        .map((s) => ({ baseURL: `${s.url}/v1`, concurrency: 2, adapters: "model" as const, env: {}, retryBaseMs: 10 })),
    });
    const models = [{ base }, { base, adapter: adapterA }, { base, adapter: adapterB }];
    const jobs = Array.from({ length: 12 }, (_, k) => ({ model: models[k % 3]!, seed: 100 + k }));
    const got = await Promise.all(jobs.map((j) => pool.generate(j.model, chat, sampling(j.seed))));
    const direct = await Promise.all(jobs.map((j) => llama.generate(j.model, chat, sampling(j.seed))));
    expect(got.map((g) => g.text)).toEqual(direct.map((g) => g.text));
    // The adapters really are applied: the same seed through base and adapter A gives other text.
    expect(new Set(got.slice(0, 3).map((g) => g.text)).size).toBeGreaterThan(1);
    const byEndpoint = new Map<string, number>();
    for (const g of got) byEndpoint.set(g.endpoint!, (byEndpoint.get(g.endpoint!) ?? 0) + 1);
    expect([...byEndpoint.keys()].sort()).toEqual(
      servers
        .slice(0, 2)
        .map((s) => `${s.url}/v1`)
        .sort(),
    );
    expect([...byEndpoint.values()]).toEqual([6, 6]);
    // One model-list request each, then 6 completions each.
    expect(seen).toEqual([7, 7]);
    // Scoring goes through the pool too (echo log-probabilities).
    const s = await pool.score({ base, adapter: adapterB }, chat, "The answer is \\boxed{7}.");
    expect(s.logprob).toBeCloseTo((await llama.score({ base, adapter: adapterB }, chat, "The answer is \\boxed{7}.")).logprob, 6);
    const err = await pool.generate({ base, adapter: join(dir, "nope.gguf") }, chat, sampling(1)).catch((e) => e);
    expect(isUserError(err)).toBe(true);
    expect(err.message).toMatch(/does not serve the adapter .*nope.gguf .*agent\/g0/);
    await pool.close();
  });

  it("llama-server: selects the adapter by id in the request's lora list (the base: an empty list)", async () => {
    loraBodies.length = 0;
    const pool = new EndpointPool({ endpoints: [{ baseURL: `${servers[2]!.url}/v1`, concurrency: 2, adapters: "lora", env: {} }] });
    const g1 = await pool.generate({ base, adapter: adapterB }, chat, sampling(7));
    const g0 = await pool.generate({ base }, chat, sampling(7));
    expect(loraBodies).toEqual([[{ id: 1, scale: 1 }], []]);
    expect(g1.text).toBe((await llama.generate({ base, adapter: adapterB }, chat, sampling(7))).text);
    expect(g0.text).toBe((await llama.generate({ base }, chat, sampling(7))).text);
    expect(g1.endpoint).toBe(`${servers[2]!.url}/v1`);
    await pool.close();
  });

  it("moves a request off an endpoint that is down", async () => {
    const dead = await listen(new Hono());
    const deadUrl = `${dead.url}/v1`;
    await dead.close(); // connection refused from now on
    const pool = new EndpointPool({
      endpoints: [
        { baseURL: deadUrl, concurrency: 4, env: {}, maxRetries: 0 },
        { baseURL: `${servers[0]!.url}/v1`, concurrency: 4, env: {} },
      ],
    });
    const got = await Promise.all([1, 2, 3, 4].map((seed) => pool.generate({ base: "tiny-base" }, chat, sampling(seed))));
    expect(got.every((g) => g.endpoint === `${servers[0]!.url}/v1`)).toBe(true);
    expect(got[0]!.text).toBe((await llama.generate({ base }, chat, sampling(1))).text);
    await pool.close();
  });
});
