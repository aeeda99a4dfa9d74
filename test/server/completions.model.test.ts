/**
 * POST /v1/completions and the tokenizer routes of `society serve` (in process, real loopback HTTP, the `test`
 * tiny model through llama.cpp), driven with the request shapes lm-evaluation-harness sends (recorded in
 * fixtures/lm-eval-requests.json, from lm_eval/models/openai_completions.py) and read back the way lm-eval reads
 * them (parse_logprobs / parse_generations, re-implemented below). The loglikelihood lm-eval computes through
 * /v1/completions equals the chat endpoint's score of the same reply; its remote tokenizer's flow (GET
 * /tokenizer_info's chat template, rendered, POST /tokenize) gives the very prompt the chat endpoint generates after.
 */
import { Template } from "@huggingface/jinja";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import { startServe, type ServeHandle } from "../../src/server/start.js";

const dir = mkdtempSync(join(tmpdir(), "society-completions-"));
const recorded = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "lm-eval-requests.json"), "utf8")) as Record<string, any>;
let serve: ServeHandle;

beforeAll(async () => {
  await ensureTinyModel("test");
  serve = await startServe({
    models: ["tiny:test"],
    dataDir: join(dir, "data"),
    port: 0,
    llama: { threads: 1, parallel: 2, contextSize: 512 },
    limits: { maxTokens: 64 },
  });
}, 300_000);
afterAll(async () => {
  await serve?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${serve.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
async function ok(path: string, body: unknown): Promise<any> {
  const r = await post(path, body);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

/** lm-eval's LocalCompletionsAPI.parse_logprobs: the continuation's summed log-prob and whether it is greedy. */
function parseLogprobs(out: any, ctxlens: number[]): Array<[number, boolean]> {
  const choices = [...out.choices].sort((a: any, b: any) => a.index - b.index);
  return ctxlens.map((ctxlen, i) => {
    const lp = choices[i].logprobs;
    const toks: number[] = lp.token_logprobs.slice(ctxlen, -1);
    const tops: Array<Record<string, number>> = lp.top_logprobs.slice(ctxlen, -1);
    const greedy = toks.every((t, k) => t === Math.max(...Object.values(tops[k]!)));
    return [toks.reduce((s, t) => s + t, 0), greedy];
  });
}

/** lm-eval's RemoteTokenizer: encode through POST /tokenize (no special tokens added). */
async function encode(text: string): Promise<number[]> {
  return (await ok("/tokenize", { prompt: text, add_special_tokens: false })).tokens;
}

const question = [{ role: "user", content: "What is 1+2*3? Answer in \\boxed{}." }];

describe("society serve /v1/completions, as lm-eval's local-completions uses it", () => {
  let info: any;
  let promptIds: number[];

  beforeAll(async () => {
    const res = await fetch(`${serve.url}/tokenizer_info`);
    info = await res.json();
    // lm-eval's remote tokenizer renders the server's chat template itself (apply_chat_template).
    const rendered = new Template(info.chat_template).render({
      messages: question,
      add_generation_prompt: true,
      bos_token: info.bos_token,
      eos_token: info.eos_token,
    });
    promptIds = await encode(rendered);
  });

  it("serves the tokenizer lm-eval's remote tokenizer probes: info with eos and the chat template, tokenize, detokenize", async () => {
    expect(info.eos_token).toBeTypeOf("string");
    expect(info.chat_template).toContain("<|im_start|>");
    const ids = await encode("test 12");
    expect(ids.length).toBeGreaterThan(0);
    expect((await ok("/detokenize", { tokens: ids })).prompt).toBe("test 12");
    // With special tokens added, the model's BOS comes first.
    const withBos = (await ok("/tokenize", { prompt: "test 12" })).tokens;
    expect(withBos.slice(1)).toEqual(ids);
  });

  it("the remote tokenizer's rendering is exactly the prompt the chat endpoint generates after (greedy replies equal)", async () => {
    const chat = await ok("/v1/chat/completions", {
      ...recorded["local-chat-completions generate_until"],
      model: "tiny",
      messages: question,
    });
    const raw = await ok("/v1/completions", {
      model: "tiny",
      prompt: [promptIds],
      max_tokens: 16,
      temperature: 0,
      stop: ["<|im_end|>"],
      seed: 1234,
    });
    expect(raw.choices[0].text).toBe(chat.choices[0].message.content);
    expect(raw.usage.prompt_tokens).toBe(chat.usage.prompt_tokens);
  });

  it("loglikelihood: token_logprobs[ctxlen:-1] sum to the chat endpoint's score of the same reply; greedy is told apart", async () => {
    const reply = "1+2*3 = \\boxed{7}";
    const cont = await encode(reply);
    const body = recorded["local-completions loglikelihood"]!;
    const out = await ok("/v1/completions", { ...body, model: "tiny", prompt: [[...promptIds, ...cont]] });
    const lp = out.choices[0].logprobs;
    // Every prompt token and the one generated token; the first has no context.
    expect(lp.token_logprobs).toHaveLength(promptIds.length + cont.length + 1);
    expect(lp.token_logprobs[0]).toBeNull();
    expect(lp.top_logprobs[0]).toBeNull();
    expect(lp.text_offset[0]).toBe(0);
    const [[sum, greedy]] = parseLogprobs(out, [promptIds.length]) as [[number, boolean]];
    const scored = await ok("/v1/chat/completions", {
      model: "tiny",
      messages: [...question, { role: "assistant", content: reply }],
      echo: true,
      logprobs: true,
    });
    const want = scored.choices[0].logprobs.content.reduce((s: number, t: { logprob: number }) => s + t.logprob, 0);
    expect(scored.choices[0].logprobs.content).toHaveLength(cont.length);
    expect(sum).toBeLessThan(0);
    expect(Math.abs(sum - want)).toBeLessThan(1e-4);
    expect(greedy).toBe(false); // a random-weight model does not write this reply greedily

    // The greedy continuation (what temperature 0 writes) is greedy by lm-eval's test.
    const gen = await ok("/v1/completions", { model: "tiny", prompt: [promptIds], max_tokens: 6, temperature: 0, seed: 1 });
    const greedyIds = await encode(gen.choices[0].text);
    const g = await ok("/v1/completions", { ...body, model: "tiny", prompt: [[...promptIds, ...greedyIds]] });
    expect(parseLogprobs(g, [promptIds.length])[0]![1]).toBe(true);
  });

  it("batches: one choice per prompt, numbered in order, each with its own context", async () => {
    const a = await encode(" 7");
    const b = await encode(" 8");
    const out = await ok("/v1/completions", {
      ...recorded["local-completions loglikelihood"],
      model: "tiny",
      prompt: [
        [...promptIds, ...a],
        [...promptIds, ...b],
      ],
    });
    expect(out.choices.map((c: any) => c.index)).toEqual([0, 1]);
    const both = parseLogprobs(out, [promptIds.length, promptIds.length]);
    const one = parseLogprobs(
      await ok("/v1/completions", { ...recorded["local-completions loglikelihood"], model: "tiny", prompt: [[...promptIds, ...b]] }),
      [promptIds.length],
    );
    expect(both[1]![0]).toBeCloseTo(one[0]![0], 5);
    expect(both[0]![0]).not.toBeCloseTo(both[1]![0], 5);
  });

  it("generate_until: a string prompt, stop sequences and max_tokens, reproducible, read as lm-eval's parse_generations reads it", async () => {
    const body = {
      ...recorded["local-completions generate_until"],
      model: "tiny",
      prompt: ["Question: 1+1=?\nAnswer:", "Question: 2+2=?\nAnswer:"],
    };
    const a = await ok("/v1/completions", body);
    const b = await ok("/v1/completions", body);
    const texts = (o: any) => {
      const t: string[] = [];
      for (const c of o.choices) t[c.index] = c.text;
      return t;
    };
    expect(texts(a)).toEqual(texts(b));
    expect(texts(a)).toHaveLength(2);
    for (const t of texts(a)) for (const s of (body as { stop: string[] }).stop) expect(t).not.toContain(s);
    expect(a.usage.completion_tokens).toBeLessThanOrEqual(2 * (body as { max_tokens: number }).max_tokens);
    // echo puts the prompt back in front.
    const echoed = await ok("/v1/completions", { ...body, prompt: "Question: 1+1=?\nAnswer:", echo: true });
    expect(echoed.choices[0].text).toBe(`Question: 1+1=?\nAnswer:${texts(a)[0]}`);
  });

  it("refuses what it cannot honour, in OpenAI's error shape", async () => {
    const bad = async (body: Record<string, unknown>, param: string) => {
      const r = await post("/v1/completions", { model: "tiny", prompt: "x", ...body });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error.param).toBe(param);
    };
    await bad({ max_tokens: 0 }, "max_tokens");
    await bad({ max_tokens: 65 }, "max_tokens");
    await bad({ stream: true }, "stream");
    await bad({ logprobs: 21 }, "logprobs");
    await bad({ prompt: [[1, -2]] }, "prompt.0.1");
    expect((await post("/v1/completions", { model: "nope", prompt: "x" })).status).toBe(404);
    const long = await post("/v1/completions", {
      model: "tiny",
      prompt: [Array.from({ length: 600 }, () => promptIds[1]!)],
      max_tokens: 1,
    });
    expect(long.status).toBe(400);
    expect(long.body.error.message).toMatch(/context size/);
  });
});
