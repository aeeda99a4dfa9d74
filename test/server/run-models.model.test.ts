/**
 * `society serve --run`: a run's agents, every stored version, served by id, and the society formed by
 * the newest generator and critic versions with the run's task, rounds and sampling. The run is written
 * into a real SQLite store; its LoRA version is a real adapter from our trainer.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runConfigSchema } from "../../src/config/schema.js";
import { generatorChat } from "../../src/protocols/debate/index.js";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import { startServe, type ServeHandle } from "../../src/server/start.js";
import { openStore, type Store } from "../../src/store/index.js";
import { getTask } from "../../src/tasks/index.js";
import { ggmlTrainer } from "../../src/training/ggml/index.js";

const dir = mkdtempSync(join(tmpdir(), "society-serve-run-"));
let store: Store;
let server: ServeHandle;
let client: OpenAI;
let tinyPath: string;
let adapterPath: string;

beforeAll(async () => {
  const tiny = await ensureTinyModel("test");
  const task = getTask("arithmetic", { maxValue: 3 });
  const qs = await task.questions("train", { limit: 4 });
  const adapter = await ggmlTrainer.train({
    baseModelPath: tiny.path,
    mode: "lora",
    outPath: join(dir, "g0-it1.gguf"),
    seed: 1,
    threads: 1,
    lora: { rank: 2, alpha: 4 },
    optim: { epochs: 1, batchSize: 4 },
    examples: qs.map((q) => ({
      messages: [
        ...generatorChat({ task: "arithmetic", vars: task.promptVars(q) }),
        { role: "assistant" as const, content: task.goldSolution(q) },
      ],
    })),
  });
  tinyPath = tiny.path;
  adapterPath = adapter.outPath;
  store = await openStore(join(dir, "runs.db"));
  const config = runConfigSchema.parse({
    name: "served",
    task: { name: "arithmetic", options: { maxValue: 3 } },
    model: { base: "tiny", tiny_recipe: "test" },
    agents: 2,
    rounds: 2,
    debate: { summarize: false, max_tokens: 6 },
  });
  await store.runs.create({ id: "served-run", name: "served", methods: config.methods, config, seed: 1, status: "done" });
  for (const role of ["generator", "critic"] as const) {
    for (const i of [0, 1]) {
      const a = await store.agents.getOrCreate({ runId: "served-run", method: "multiagent-ft", role, agentIndex: i });
      await store.modelVersions.insert({ agentId: a.id, iteration: 0, kind: "base", path: tiny.path });
      // Generator 0 was trained at iteration 1; the others kept their weights (as with an empty dataset).
      if (role === "generator" && i === 0)
        await store.modelVersions.insert({ agentId: a.id, iteration: 1, kind: "lora", path: adapter.outPath, sha256: adapter.sha256 });
    }
  }
  server = await startServe({
    run: { store, runId: "served-run" },
    port: 0,
    dataDir: join(dir, "serve"),
    llama: { threads: 1, parallel: 2, contextSize: 512 },
  });
  client = new OpenAI({ apiKey: "none", baseURL: `${server.url}/v1`, maxRetries: 0 });
}, 300_000);

afterAll(async () => {
  await server?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("society serve --run", () => {
  it("lists the run's base, every trained agent version, and the society", async () => {
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(["tiny", "multiagent-ft/generator0/it1", "society"]);
    const m = await client.models.retrieve("multiagent-ft/generator0/it1");
    expect(m.id).toBe("multiagent-ft/generator0/it1");
  });

  it("an endpoint pool addresses the agent by its adapter file (GET /v1/models roots)", async () => {
    const { EndpointPool } = await import("../../src/backends/openai/pool.js");
    const listed = (await client.models.list()).data as Array<{ id: string; root?: string }>;
    expect(listed.find((x) => x.id === "multiagent-ft/generator0/it1")?.root).toBe(adapterPath);
    const pool = new EndpointPool({ endpoints: [{ baseURL: `${server.url}/v1`, adapters: "model", env: {} }] });
    const messages = [{ role: "user" as const, content: "What is 1+1? Answer in \\boxed{}." }];
    const viaPool = await pool.generate({ base: tinyPath, adapter: adapterPath }, messages, {
      temperature: 1,
      topP: 0.9,
      maxTokens: 16,
      seed: 3,
    });
    const direct = await client.chat.completions.create({
      model: "multiagent-ft/generator0/it1",
      messages,
      max_tokens: 16,
      temperature: 1,
      top_p: 0.9,
      seed: 3,
    });
    expect(viaPool.text).toBe(direct.choices[0]!.message.content);
    await pool.close();
  });

  it("answers with an agent version: its LoRA changes the reply's likelihood", async () => {
    const messages = [{ role: "user" as const, content: "What is 1+1*1+0-0*0? Answer in \\boxed{}." }];
    const r = await client.chat.completions.create({
      model: "multiagent-ft/generator0/it1",
      messages,
      max_tokens: 24,
      seed: 1,
      logprobs: true,
    });
    const text = r.choices[0]!.message.content!;
    const echo = (model: string) =>
      client.chat.completions.create({
        model,
        messages: [...messages, { role: "assistant", content: text }],
        max_tokens: 1,
        logprobs: true,
        echo: true,
      } as any);
    const sum = (x: OpenAI.ChatCompletion) => x.choices[0]!.logprobs!.content!.reduce((s, t) => s + t.logprob, 0);
    const [tuned, base] = [sum(await echo("multiagent-ft/generator0/it1")), sum(await echo("tiny"))];
    expect(tuned).toBeCloseTo(
      r.choices[0]!.logprobs!.content!.reduce((s, t) => s + t.logprob, 0),
      6,
    );
    expect(Math.abs(tuned - base)).toBeGreaterThan(1e-3);
  });

  it("the society debates with the run's shape: 2 agents, 2 rounds, the run's task", async () => {
    const r = await client.chat.completions.create({ model: "society", messages: [{ role: "user", content: "1+1*1+0-0*0" }], seed: 2 });
    const meta = (r.choices[0] as any).society;
    expect(meta.turns.map((t: any) => `${t.round}${t.role[0]}${t.index}`)).toEqual(["1g0", "1g1", "2c0", "2c1"]);
    expect(r.usage!.completion_tokens).toBeLessThanOrEqual(4 * 6); // the run's debate.max_tokens per turn
    expect(r.choices[0]!.finish_reason).toBe("length");
  });
});
