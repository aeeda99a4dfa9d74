/**
 * A run whose debates go to a pool of two OpenAI-compatible loopback servers gives the same turns as the
 * same run on the local llama backend, with each turn recording the endpoint that produced it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaBackend } from "../../src/backends/llama/backend.js";
import { runConfigSchema, type RunConfigInput } from "../../src/config/schema.js";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import { executeRun } from "../../src/run/execute.js";
import type { RunningServer } from "../../src/server/listen.js";
import { openStore, type Store } from "../../src/store/index.js";
import { listenCounting } from "../support/counting-openai-server.js";

let tmp: string;
let llama: LlamaBackend;
const servers: RunningServer[] = [];
const seen = [0, 0];

const input = (model: RunConfigInput["model"]): RunConfigInput => ({
  name: "endpoints-test",
  seed: 4,
  task: { name: "arithmetic", options: { maxValue: 3 }, train: { limit: 2 }, test: { limit: 6 } },
  model: { base: "tiny", tiny_recipe: "test", context_size: 1024, ...model },
  methods: ["debate"],
  agents: 2,
  rounds: 2,
  iterations: 0,
  debate: { summarize: false, max_tokens: 24, concurrency: 6 },
  metrics: { nll_samples: 2 },
});

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "society-endpoints-"));
  const base = (await ensureTinyModel("test")).path;
  llama = await LlamaBackend.create({ gpu: false, threads: 1, parallel: 4, contextSize: 1024 });
  for (const i of [0, 1]) servers.push(await listenCounting({ backend: llama, models: { tiny: { base } } }, () => seen[i]!++));
}, 300_000);

afterAll(async () => {
  for (const s of servers) await s.close();
  await llama?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function turnsOf(store: Store, runId: string) {
  const ts = await store.turns.listFor({ runId, method: "base", iteration: 0, phase: "test" });
  return ts;
}

describe("model.endpoints", () => {
  it("spreads a run's debate over the pool, records each turn's endpoint, and changes no turn", async () => {
    process.env.SOCIETY_LLAMA_THREADS = "1";
    const local = runConfigSchema.parse(input({}));
    const pooled = runConfigSchema.parse(
      input({
        backend: "openai",
        endpoints: [
          { url: `${servers[0]!.url}/v1`, concurrency: 3, adapters: "model" },
          { url: `${servers[1]!.url}/v1`, concurrency: 3, adapters: "model" },
        ],
      }),
    );
    const a = await openStore(join(tmp, "local.db"));
    const b = await openStore(join(tmp, "pooled.db"));
    const ra = await executeRun({ config: local, seed: 4, store: a, outDir: tmp, backend: llama, log: () => {} });
    const rb = await executeRun({ config: pooled, seed: 4, store: b, outDir: tmp, log: () => {} });
    const ta = await turnsOf(a, ra.runId);
    const tb = await turnsOf(b, rb.runId);
    expect(ta.length).toBe(6 * 2 * 2);
    expect(tb.map((t) => [t.round, t.seed, t.completion])).toEqual(ta.map((t) => [t.round, t.seed, t.completion]));
    const endpoints = tb.map((t) => (t.meta as { endpoint?: string }).endpoint);
    expect(new Set(endpoints)).toEqual(new Set(servers.map((s) => `${s.url}/v1`)));
    expect(ta.every((t) => (t.meta as { endpoint?: string }).endpoint === undefined)).toBe(true);
    expect(seen[0]! > 1 && seen[1]! > 1).toBe(true);
    const acc = async (s: Store, id: string) =>
      (await s.metrics.list({ runId: id, scope: "run" })).find((m) => m.name === "accuracy")?.value;
    expect(await acc(b, rb.runId)).toBe(await acc(a, ra.runId));
    // Where the requests went is not what the run computes: the run id ignores the pool.
    expect(rb.runId).toBe(
      (await import("../../src/run/run-id.js")).runIdFor({ ...pooled, model: { ...pooled.model, endpoints: undefined } }, 4),
    );
    await a.close();
    await b.close();
  }, 600_000);
});
