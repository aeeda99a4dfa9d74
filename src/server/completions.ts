/**
 * POST /v1/completions for `society serve` (OpenAI's legacy text completions, as vLLM and llama-server serve
 * them): raw prompts, no chat template. A prompt is a string, a list of strings, a list of token ids, or a list
 * of token-id lists; a string is tokenized as llama-server tokenizes one (special-token spellings parsed, the
 * model's BOS first), token ids are used as given. `echo` returns the prompt before the completion and, with
 * `logprobs: k`, the log-probability of every prompt token too (null for the first, which has no context) with
 * the k most likely tokens at each position (plus the actual one). This is what lm-evaluation-harness's
 * `local-completions` model sends: loglikelihood requests are `{prompt: [[ids]], max_tokens: 1, temperature: 0,
 * logprobs: 1, echo: true}` and it reads `token_logprobs[ctxlen:-1]`; generation requests are strings with
 * `stop` and `max_tokens`.
 *
 * Also the tokenizer routes lm-eval's remote tokenizer probes (GET /tokenizer_info, POST /tokenize,
 * POST /detokenize, vLLM's shapes), so a served GGUF can be scored without a Hugging Face tokenizer.
 */
import { randomInt, randomUUID } from "node:crypto";
import type { Hono } from "hono";
import type { Token } from "node-llama-cpp";
import { z } from "zod";
import type { LlamaBackend } from "../backends/llama/backend.js";
import type { AgentModel } from "../backends/types.js";
import { badRequest, parseBody } from "./api-error.js";
import type { ServeLimits } from "./limits.js";
import { SOCIETY_MODEL_ID, type ModelRegistry } from "./model-registry.js";
import { readJsonBody } from "./request-guard.js";

export interface CompletionDeps {
  backend: LlamaBackend;
  registry: ModelRegistry;
  limits: ServeLimits;
}

const tokenId = z.number().int().nonnegative();
const promptSchema = z.union([
  z.string(),
  z.array(z.string()).nonempty(),
  z.array(tokenId).nonempty(),
  z.array(z.array(tokenId).nonempty()).nonempty(),
]);

const completionRequestSchema = z
  .object({
    model: z.string(),
    prompt: promptSchema,
    max_tokens: z.number().int().nonnegative().nullish(),
    temperature: z
      .number()
      .min(0)
      .max(2)
      .nullish()
      .transform((v) => v ?? 1),
    top_p: z
      .number()
      .gt(0)
      .max(1)
      .nullish()
      .transform((v) => v ?? 1),
    n: z
      .number()
      .int()
      .positive()
      .nullish()
      .transform((v) => v ?? 1),
    stop: z.union([z.string(), z.array(z.string()).max(16)]).nullish(),
    seed: z.number().int().nullish(),
    /** OpenAI: the number of most likely tokens to return at each position (0 means the chosen token's only). */
    logprobs: z.number().int().nonnegative().nullish(),
    echo: z.boolean().nullish(),
    stream: z.boolean().nullish(),
    suffix: z.string().nullish(),
    best_of: z.number().int().positive().nullish(),
  })
  .passthrough();

type CompletionRequest = z.infer<typeof completionRequestSchema>;

interface Logprobs {
  tokens: string[];
  token_logprobs: Array<number | null>;
  top_logprobs: Array<Record<string, number> | null>;
  text_offset: number[];
}

export function addCompletions(app: Hono, deps: CompletionDeps): void {
  app.post("/v1/completions", async (c) => {
    const req = parse(await readJsonBody(c), deps.limits);
    if (req.model === SOCIETY_MODEL_ID) throw badRequest('model "society" answers chats only: use /v1/chat/completions', "model");
    const model = deps.registry.get(req.model).model;
    const prompts = await promptTokens(deps.backend, model.base, req.prompt);
    const maxTokens = req.max_tokens ?? 16; // OpenAI's default
    const stops = (req.stop == null ? [] : typeof req.stop === "string" ? [req.stop] : req.stop).filter((s) => s.length > 0);
    const seed = req.seed ?? randomInt(0, 2 ** 31 - 1);
    const top = req.logprobs ?? undefined;
    const choices = [];
    let promptCount = 0;
    let completionCount = 0;
    // Choice index = prompt index × n + sample index, as OpenAI numbers them.
    for (const [p, prompt] of prompts.entries()) {
      promptCount += prompt.tokens.length;
      for (let i = 0; i < req.n; i++) {
        const g =
          maxTokens === 0
            ? { text: "", tokens: [] as Token[], completionTokens: 0, finishReason: "length" as const }
            : await deps.backend.generateTokens(model, prompt.tokens, {
                temperature: req.temperature,
                topP: req.top_p,
                maxTokens,
                seed: (((seed + i) % 2 ** 31) + 2 ** 31) % 2 ** 31,
                stop: stops.length ? stops : undefined,
              });
        completionCount += g.completionTokens;
        const text = req.echo ? prompt.text + g.text : g.text;
        // The end-of-generation token a reply stopped at is listed in its logprobs (as vLLM lists it): lm-eval's
        // loglikelihood drops the last entry as the one generated token, whichever token that was.
        const sampled = "eog" in g && g.eog !== undefined ? [...g.tokens, g.eog] : g.tokens;
        const logprobs = top === undefined ? null : await logprobsOf(deps.backend, model, prompt, sampled, top, !!req.echo);
        choices.push({ text, index: p * req.n + i, logprobs, finish_reason: g.finishReason });
      }
    }
    return c.json({
      id: `cmpl-${randomUUID()}`,
      object: "text_completion",
      created: Math.floor(Date.now() / 1000),
      model: req.model,
      choices,
      usage: { prompt_tokens: promptCount, completion_tokens: completionCount, total_tokens: promptCount + completionCount },
    });
  });

  // lm-eval's remote tokenizer (and vLLM's routes): the tokenizer of a served model, the first by default.
  const baseOf = (model: unknown) =>
    typeof model === "string" && model !== "" ? deps.registry.get(model).model.base : deps.registry.first().model.base;
  app.get("/tokenizer_info", async (c) => {
    const info = await deps.backend.tokenizerInfo(baseOf(c.req.query("model")));
    return c.json({
      bos_token: info.bos ?? null,
      eos_token: info.eos ?? null,
      eot_token: info.eot ?? null,
      pad_token: null,
      chat_template: info.chatTemplate ?? null,
      vocab_size: info.vocabSize,
    });
  });
  app.post("/tokenize", async (c) => {
    const body = z
      .object({ prompt: z.string(), add_special_tokens: z.boolean().default(true), model: z.string().optional() })
      .passthrough()
      .safeParse(await readJsonBody(c));
    if (!body.success) throw badRequest(`${body.error.issues[0]!.path.join(".") || "body"}: ${body.error.issues[0]!.message}`);
    const tokens = await deps.backend.tokenize(baseOf(body.data.model), body.data.prompt, body.data.add_special_tokens);
    return c.json({ tokens, count: tokens.length });
  });
  app.post("/detokenize", async (c) => {
    const body = z
      .object({ tokens: z.array(tokenId), model: z.string().optional() })
      .passthrough()
      .safeParse(await readJsonBody(c));
    if (!body.success) throw badRequest(`${body.error.issues[0]!.path.join(".") || "body"}: ${body.error.issues[0]!.message}`);
    return c.json({ prompt: await deps.backend.detokenize(baseOf(body.data.model), body.data.tokens as Token[]) });
  });
}

function parse(body: unknown, limits: ServeLimits): CompletionRequest {
  const req = parseBody(completionRequestSchema, body);
  if (req.stream) throw badRequest("stream: true is not supported for /v1/completions by this server", "stream");
  if (req.suffix) throw badRequest("suffix is not supported by this server", "suffix");
  if (req.best_of != null && req.best_of !== req.n)
    throw badRequest("best_of is not supported by this server (it must equal n)", "best_of");
  if (req.n > limits.maxChoices) throw badRequest(`n: ${req.n} exceeds this server's limit of ${limits.maxChoices}`, "n");
  if (req.max_tokens != null && req.max_tokens > limits.maxTokens)
    throw badRequest(
      `max_tokens: ${req.max_tokens} exceeds this server's limit of ${limits.maxTokens}`,
      "max_tokens",
      "max_tokens_exceeded",
    );
  if (req.max_tokens === 0 && !req.echo) throw badRequest("max_tokens: 0 returns nothing without echo: true", "max_tokens");
  if ((req.logprobs ?? 0) > limits.maxTopLogprobs) throw badRequest(`logprobs: at most ${limits.maxTopLogprobs}`, "logprobs");
  return req;
}

interface Prompt {
  tokens: Token[];
  /** The prompt's text as echo returns it: the string as sent, or the token ids' text. */
  text: string;
}

async function promptTokens(backend: LlamaBackend, base: string, prompt: CompletionRequest["prompt"]): Promise<Prompt[]> {
  const list: Array<string | number[]> =
    typeof prompt === "string" ? [prompt] : typeof prompt[0] === "number" ? [prompt as number[]] : (prompt as Array<string | number[]>);
  return Promise.all(
    list.map(async (p, i) => {
      if (typeof p === "string") return { tokens: await backend.tokenize(base, p, true), text: p };
      if (p.length === 0) throw badRequest(`prompt.${i}: empty`, "prompt");
      return { tokens: p as Token[], text: await backend.detokenize(base, p as Token[]) };
    }),
  );
}

/** OpenAI's legacy logprobs object: per token its text, log-probability, top alternatives and text offset. */
async function logprobsOf(
  backend: LlamaBackend,
  model: AgentModel,
  prompt: Prompt,
  completion: Token[],
  top: number,
  echo: boolean,
): Promise<Logprobs> {
  // One pass over prompt + completion scores both; the prompt's part is returned only with echo.
  const all = [...prompt.tokens, ...completion];
  const scored = await backend.scoreTokens(model, all, Math.max(top, 1));
  const from = echo ? 0 : prompt.tokens.length;
  const out: Logprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  let offset = echo ? 0 : prompt.text.length;
  for (let k = from; k < all.length; k++) {
    const text = await backend.detokenize(model.base, [all[k]!]);
    out.tokens.push(text);
    out.text_offset.push(offset);
    offset += text.length;
    if (k === 0) {
      out.token_logprobs.push(null);
      out.top_logprobs.push(null);
      continue;
    }
    const s = scored[k - 1]!;
    out.token_logprobs.push(s.logprob);
    const alternatives: Record<string, number> = {};
    for (const t of (s.top ?? []).slice(0, top)) alternatives[t.text] ??= t.logprob;
    // The actual token is listed too (as vLLM does), so "was it the most likely" reads off the entry.
    alternatives[s.text] ??= s.logprob;
    out.top_logprobs.push(alternatives);
  }
  return out;
}
