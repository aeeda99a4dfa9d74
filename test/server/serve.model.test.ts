/**
 * `society serve` as users run it: the real CLI in a child process on a loopback port, the `test` tiny
 * model, driven by the official openai SDK and by @langchain/openai. Chat (n, seed, stop, max_tokens),
 * streaming, logprobs, the society, a full fine-tuning job whose model then answers (and survives a
 * restart), cancel, and the guards: 401, 413, a malformed upload named by line.
 */
import { AIMessageChunk, HumanMessage } from "@langchain/core/messages";
import { ChatOpenAI } from "@langchain/openai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAIBackend } from "../../src/backends/openai/backend.js";
import { generatorChat } from "../../src/protocols/debate/index.js";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import { getTask } from "../../src/tasks/index.js";
import { spawnServe, type ServeProcess } from "./spawn-serve.js";

const KEY = "test-key-123";
const dir = mkdtempSync(join(tmpdir(), "society-serve-"));
const serveArgs = [
  "--model",
  "tiny:test",
  "--data-dir",
  dir,
  "--society-task",
  "arithmetic",
  "--society-agents",
  "2",
  "--society-summarize",
  "false",
  "--max-tokens",
  "64",
  "--ft-threads",
  "1",
  "--ft-lr",
  "0.01",
];
let serve: ServeProcess;
let client: OpenAI;
const messages = [{ role: "user" as const, content: "What is 1+2*3+0-1*2? Answer in \\boxed{}." }];

beforeAll(async () => {
  await ensureTinyModel("test");
  serve = await spawnServe(serveArgs, { SOCIETY_API_KEY: KEY });
  client = new OpenAI({ apiKey: KEY, baseURL: serve.baseURL, maxRetries: 0 });
}, 300_000);

afterAll(async () => {
  const code = await serve?.stop();
  expect(code).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

describe("society serve through the openai SDK", () => {
  it("needs the API key (401 otherwise, in OpenAI's error shape)", async () => {
    const res = await fetch(`${serve.baseURL}/models`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe("invalid_api_key");
    const wrong = new OpenAI({ apiKey: "nope", baseURL: serve.baseURL, maxRetries: 0 });
    await expect(wrong.models.list()).rejects.toMatchObject({ status: 401 });
    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(["tiny", "society"]);
  });

  it("answers chat completions: n choices, reproducible with a seed, usage, max_tokens and stop", async () => {
    const req = { model: "tiny", messages, n: 2, seed: 7, temperature: 1, max_tokens: 12 };
    const a = await client.chat.completions.create(req);
    const b = await client.chat.completions.create(req);
    expect(a.choices.map((c) => c.message.content)).toEqual(b.choices.map((c) => c.message.content));
    expect(a.choices).toHaveLength(2);
    expect(a.choices[0]!.message.content).not.toBe(a.choices[1]!.message.content);
    expect(a.usage!.completion_tokens).toBeLessThanOrEqual(24);
    expect(a.usage!.prompt_tokens).toBeGreaterThan(10);
    const long = await client.chat.completions.create({ model: "tiny", messages, seed: 1, temperature: 0, max_tokens: 64 });
    const text = long.choices[0]!.message.content!;
    expect(long.choices[0]!.finish_reason).toBe("stop");
    const stop = text.slice(4, 6);
    const cut = await client.chat.completions.create({ model: "tiny", messages, seed: 1, temperature: 0, max_tokens: 64, stop: [stop] });
    expect(cut.choices[0]!.message.content).toBe(text.slice(0, text.indexOf(stop)));
    await expect(client.chat.completions.create({ model: "tiny", messages, max_tokens: 65 })).rejects.toMatchObject({
      status: 400,
      param: "max_tokens",
    });
    await expect(client.chat.completions.create({ model: "nope", messages })).rejects.toMatchObject({ status: 404 });
  });

  it("streams the same text it returns whole, with usage at the end", async () => {
    for (const stop of [undefined, ["*"]]) {
      const req = { model: "tiny", messages, seed: 11, temperature: 1, max_tokens: 40, ...(stop ? { stop } : {}) };
      const whole = await client.chat.completions.create(req);
      const stream = await client.chat.completions.create({ ...req, stream: true, stream_options: { include_usage: true } });
      let text = "",
        deltas = 0,
        finish: string | null = null,
        usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        if (chunk.usage) usage = chunk.usage;
        for (const c of chunk.choices) {
          if (c.delta.content) {
            text += c.delta.content;
            deltas++;
          }
          if (c.finish_reason) finish = c.finish_reason;
        }
      }
      expect(text).toBe(whole.choices[0]!.message.content);
      // Token by token (a character-level model: about one delta per token), not the whole reply at the end.
      if (!stop) expect(deltas).toBeGreaterThanOrEqual(whole.usage!.completion_tokens / 2);
      expect(finish).toBe(whole.choices[0]!.finish_reason);
      expect(usage!.completion_tokens).toBe(whole.usage!.completion_tokens);
    }
  });

  it("returns logprobs with top alternatives, and scores a given reply with echo (as the openai backend does)", async () => {
    const r = await client.chat.completions.create({ model: "tiny", messages, seed: 3, max_tokens: 20, logprobs: true, top_logprobs: 3 });
    const lp = r.choices[0]!.logprobs!.content!;
    expect(lp.map((t) => t.token).join("")).toBe(r.choices[0]!.message.content);
    for (const t of lp) {
      expect(t.top_logprobs).toHaveLength(3);
      const tops = t.top_logprobs.map((x) => x.logprob);
      expect([...tops].sort((x, y) => y - x)).toEqual(tops);
      expect(t.logprob).toBeLessThanOrEqual(tops[0]! + 1e-9);
      if (t.logprob >= tops[2]!) expect(t.top_logprobs.map((x) => x.token)).toContain(t.token);
    }
    const backend = new OpenAIBackend({ baseURL: serve.baseURL, apiKeyEnv: "K", env: { K: KEY } });
    const score = await backend.score({ base: "tiny" }, messages, r.choices[0]!.message.content!);
    expect(score.tokens).toBe(lp.length);
    expect(score.logprob).toBeCloseTo(
      lp.reduce((s, t) => s + t.logprob, 0),
      6,
    );
    await expect(client.chat.completions.create({ model: "tiny", messages, top_logprobs: 2 })).rejects.toMatchObject({ status: 400 });
  });

  it("answers as the society: a debate whose voted answer is the reply", async () => {
    const r = await client.chat.completions.create({
      model: "society",
      messages: [{ role: "user", content: "1+2*3+0-1*2" }],
      seed: 5,
      temperature: 0.7,
      max_tokens: 40,
    });
    const meta = (r.choices[0] as any).society;
    expect(meta.turns).toHaveLength(4); // 2 agents × 2 rounds
    expect(meta.turns.map((t: any) => `${t.round}${t.role[0]}${t.index}`)).toEqual(["1g0", "1g1", "2c0", "2c1"]);
    const task = getTask("arithmetic", { maxValue: 3 });
    if (meta.answer !== null) {
      expect(task.canonical(task.extract(r.choices[0]!.message.content!).answer!)).toBe(task.canonical(meta.answer));
      expect(meta.votes[task.canonical(meta.answer)]).toBe(Math.max(...(Object.values(meta.votes) as number[])));
    }
    expect(r.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it("refuses an oversized body with 413", async () => {
    const big = JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "x".repeat(1.2 * 2 ** 20) }] });
    const res = await fetch(`${serve.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.code).toBe("request_too_large");
    await expect(
      client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "x".repeat(1.2 * 2 ** 20) }] }),
    ).rejects.toMatchObject({ status: 413 });
  });

  it("rejects a malformed training file, naming its lines", async () => {
    const text = `${JSON.stringify({
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: "a" },
      ],
    })}\n{"messages": [\n${JSON.stringify({ messages: [{ role: "user", content: "q" }] })}\n`;
    const err = await client.files.create({ file: await toFile(Buffer.from(text), "bad.jsonl"), purpose: "fine-tune" }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toMatch(/bad\.jsonl: invalid training file: line 2: invalid JSON .*; line 3: no assistant message/);
  });
});

describe("fine-tuning jobs", () => {
  const task = getTask("arithmetic", { maxValue: 3 });
  let examples: Array<{ messages: Array<{ role: "user" | "assistant"; content: string }> }>;
  let fileId: string;
  let model: string;

  beforeAll(async () => {
    const qs = await task.questions("train", { limit: 12, seed: 4 });
    examples = qs.map((q) => ({
      messages: [...generatorChat({ task: "arithmetic", vars: task.promptVars(q) }), { role: "assistant", content: task.goldSolution(q) }],
    })) as typeof examples;
    const file = await client.files.create({
      file: await toFile(Buffer.from(examples.map((e) => JSON.stringify(e)).join("\n")), "train.jsonl"),
      purpose: "fine-tune",
    });
    expect(file).toMatchObject({ object: "file", purpose: "fine-tune", filename: "train.jsonl" });
    fileId = file.id;
  });

  it("runs a job to completion: status, metrics events, and a new model that answers", async () => {
    const job = await client.fineTuning.jobs.create({
      model: "tiny",
      training_file: fileId,
      seed: 9,
      suffix: "t1",
      metadata: { purpose: "test" },
      method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 2, batch_size: 4, learning_rate_multiplier: 1 } } },
    });
    expect(["queued", "running"]).toContain(job.status);
    let j = job;
    const t0 = Date.now();
    while (j.status !== "succeeded" && j.status !== "failed" && Date.now() - t0 < 120_000) {
      await new Promise((r) => setTimeout(r, 250));
      j = await client.fineTuning.jobs.retrieve(job.id);
    }
    expect(j.error).toBeNull();
    expect(j.status).toBe("succeeded");
    model = j.fine_tuned_model!;
    expect(model).toMatch(/^ft:tiny:t1:/);
    expect(j.trained_tokens).toBeGreaterThan(0);
    const events = (await client.fineTuning.jobs.listEvents(job.id, { limit: 100 })).data;
    expect(events[0]!.message).toMatch(/successfully completed/);
    const metrics = events.filter((e) => e.type === "metrics");
    expect(metrics.length).toBeGreaterThan(0);
    expect((metrics[0]!.data as any).step).toBe((metrics[0]!.data as any).total_steps); // newest first: the last step
    const listed = await client.fineTuning.jobs.list({ metadata: { purpose: "test" } });
    expect(listed.data.map((x) => x.id)).toEqual([job.id]);
    expect((await client.models.list()).data.map((m) => m.id)).toContain(model);
    expect(await client.models.retrieve(model)).toMatchObject({ id: model, parent: "tiny" });

    // The new model answers, and has learned its training replies (higher likelihood than the base).
    const r = await client.chat.completions.create({ model, messages, max_tokens: 30, seed: 1 });
    expect(r.model).toBe(model);
    expect(r.choices[0]!.message.content!.length).toBeGreaterThan(0);
    const backend = new OpenAIBackend({ baseURL: serve.baseURL, apiKeyEnv: "K", env: { K: KEY } });
    let gain = 0;
    for (const ex of examples.slice(0, 4)) {
      const [user, reply] = ex.messages;
      gain +=
        (await backend.score({ base: model }, [user!], reply!.content)).logprob -
        (await backend.score({ base: "tiny" }, [user!], reply!.content)).logprob;
    }
    expect(gain).toBeGreaterThan(0);
  }, 180_000);

  it("cancels a job, which then never produces a model", async () => {
    const job = await client.fineTuning.jobs.create({ model: "tiny", training_file: fileId, seed: 1 });
    const c = await client.fineTuning.jobs.cancel(job.id);
    expect(c.status).toBe("cancelled");
    await new Promise((r) => setTimeout(r, 500));
    const j = await client.fineTuning.jobs.retrieve(job.id);
    expect(j.status).toBe("cancelled");
    expect(j.fine_tuned_model).toBeNull();
    await expect(client.fineTuning.jobs.cancel(job.id)).rejects.toMatchObject({ status: 400 });
    await expect(client.fineTuning.jobs.create({ model: "tiny", training_file: "file-nope" })).rejects.toMatchObject({ status: 404 });
  });

  it("@langchain/openai drives the fine-tuned model: invoke, stream, logprobs", async () => {
    const llm = new ChatOpenAI({
      model,
      apiKey: KEY,
      configuration: { baseURL: serve.baseURL },
      temperature: 0,
      maxTokens: 24,
      maxRetries: 0,
    });
    const msg = await llm.invoke([new HumanMessage(messages[0]!.content)]);
    expect(typeof msg.content).toBe("string");
    expect((msg.content as string).length).toBeGreaterThan(0);
    expect(msg.usage_metadata!.output_tokens).toBeGreaterThan(0);
    let streamed: AIMessageChunk | undefined;
    for await (const chunk of await llm.stream([new HumanMessage(messages[0]!.content)]))
      streamed = streamed ? streamed.concat(chunk) : chunk;
    expect(streamed!.content).toBe(msg.content);
    const withLp = await new ChatOpenAI({
      model,
      apiKey: KEY,
      configuration: { baseURL: serve.baseURL },
      temperature: 0,
      maxTokens: 24,
      logprobs: true,
      topLogprobs: 2,
      maxRetries: 0,
    }).invoke([new HumanMessage(messages[0]!.content)]);
    const content = (withLp.response_metadata as any).logprobs.content as Array<{ token: string; top_logprobs: unknown[] }>;
    expect(content.map((t) => t.token).join("")).toBe(withLp.content);
    expect(content.every((t) => t.top_logprobs.length === 2)).toBe(true);
  });

  it("serves the fine-tuned model again after a restart", async () => {
    expect(await serve.stop()).toBe(0);
    serve = await spawnServe(serveArgs, { SOCIETY_API_KEY: KEY });
    client = new OpenAI({ apiKey: KEY, baseURL: serve.baseURL, maxRetries: 0 });
    expect((await client.models.list()).data.map((m) => m.id)).toContain(model);
    const r = await client.chat.completions.create({ model, messages, max_tokens: 10, seed: 1 });
    expect(r.choices[0]!.message.content!.length).toBeGreaterThan(0);
  }, 120_000);
});
