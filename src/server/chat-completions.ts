/**
 * POST /v1/chat/completions for `society serve`: n choices (choice i samples with seed + i), temperature,
 * top_p, seed, max_tokens, stop, logprobs/top_logprobs, `stream: true` (SSE), the `echo` scoring
 * extension (score a supplied final assistant message; the openai backend's `score` uses it), and the
 * "society" model (a debate, see society-model.ts).
 *
 * Streaming sends each piece of the reply as it is decoded (GenerateOptions.onText, which holds back any
 * tail that could still grow into a stop string), as OpenAI-shaped chunks: the streamed text is exactly
 * the non-streamed one for the same seed. The society model streams its voted reply once the debate ends.
 */
import { randomInt, randomUUID } from "node:crypto";
import type { Context, Hono } from "hono";
import type { LlamaBackend } from "../backends/llama/backend.js";
import type { AgentModel, ChatMessage, Generation } from "../backends/types.js";
import { badRequest, parseBody } from "./api-error.js";
import { chatRequestSchema, type ChatRequest } from "./chat-request.js";
import type { ServeLimits } from "./limits.js";
import { readJsonBody } from "./request-guard.js";
import { scoreWithTop } from "./top-logprobs.js";
import { SOCIETY_MODEL_ID, type ModelRegistry } from "./model-registry.js";
import { societyAnswer, societyQuestion, type SocietySpec } from "./society-model.js";
import { sseResponse, type SseWriter } from "./sse.js";

export interface ChatDeps {
  backend: LlamaBackend;
  registry: ModelRegistry;
  limits: ServeLimits;
  /** The debating society behind model "society" (undefined: not served). */
  society?: SocietySpec;
}

interface Resolved {
  req: ChatRequest;
  chat: ChatMessage[];
  maxTokens: number;
  /** max_tokens as the request gave it (the society otherwise uses its own default). */
  askedMaxTokens?: number;
  stop?: string[];
  seed: number;
  top: number;
}

export function addChatCompletions(app: Hono, deps: ChatDeps): void {
  const societyMax = deps.society ? Math.min(deps.society.sampling.maxTokens, deps.limits.maxTokens) : 0;
  app.post("/v1/chat/completions", async (c) => {
    const r = parseRequest(await readJsonBody(c), deps.limits);
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    if (r.req.model === SOCIETY_MODEL_ID) {
      if (!deps.society)
        throw badRequest(`model "society" is not served here: start society serve with --run (or --society-agents)`, "model");
      return society(c, deps.backend, deps.society, { ...r, maxTokens: r.askedMaxTokens ?? societyMax }, id, created);
    }
    const model = deps.registry.get(r.req.model).model;
    if (r.req.echo) return c.json(await echo(deps.backend, model, r, id, created));
    if (r.req.stream) return stream(c, deps.backend, model, r, id, created);
    return c.json(await complete(deps.backend, model, r, id, created));
  });
}

function parseRequest(body: unknown, limits: ServeLimits): Resolved {
  const req = parseBody(chatRequestSchema, body);
  const extra = req as Record<string, unknown>;
  for (const k of ["tools", "functions", "tool_choice"]) {
    if (extra[k] != null && !(Array.isArray(extra[k]) && (extra[k] as unknown[]).length === 0))
      throw badRequest(`${k} is not supported by this server`, k);
  }
  const rf = extra.response_format as { type?: string } | undefined;
  if (rf && rf.type !== "text")
    throw badRequest(`response_format ${JSON.stringify(rf.type)} is not supported by this server (only "text")`, "response_format");
  if (req.n > limits.maxChoices) throw badRequest(`n: ${req.n} exceeds this server's limit of ${limits.maxChoices}`, "n");
  const asked = req.max_completion_tokens ?? req.max_tokens ?? undefined;
  if (asked !== undefined && asked > limits.maxTokens)
    throw badRequest(`max_tokens: ${asked} exceeds this server's limit of ${limits.maxTokens}`, "max_tokens", "max_tokens_exceeded");
  const top = req.top_logprobs ?? 0;
  if (top > 0 && !req.logprobs) throw badRequest("top_logprobs requires logprobs: true", "top_logprobs");
  if (top > limits.maxTopLogprobs) throw badRequest(`top_logprobs: at most ${limits.maxTopLogprobs}`, "top_logprobs");
  const chat: ChatMessage[] = req.messages.map((m) => ({ role: m.role === "developer" ? "system" : m.role, content: m.content as string }));
  // An empty stop string would match at once and make every reply empty: "" means no stop, as in the array form.
  const stops = (req.stop == null ? [] : typeof req.stop === "string" ? [req.stop] : req.stop).filter((s) => s.length > 0);
  const stop = stops.length > 0 ? stops : undefined;
  // Without a seed the reply is not reproducible (as with OpenAI); choice i samples with seed + i.
  const seed = req.seed ?? randomInt(0, 2 ** 31 - 1);
  return { req, chat, maxTokens: asked ?? limits.maxTokens, askedMaxTokens: asked, stop, seed, top };
}

const seedOf = (r: Resolved, i: number) => (((r.seed + i) % 2 ** 31) + 2 ** 31) % 2 ** 31;
const sampling = (r: Resolved, i: number) => ({
  temperature: r.req.temperature,
  topP: r.req.top_p,
  maxTokens: r.maxTokens,
  seed: seedOf(r, i),
  stop: r.stop,
});

/** OpenAI's logprobs.content entries for `text` as the reply to `chat`. */
async function logprobsOf(backend: LlamaBackend, model: AgentModel, chat: ChatMessage[], text: string, top: number) {
  const bytes = (s: string) => [...Buffer.from(s, "utf8")];
  if (top > 0) {
    const scored = await scoreWithTop(backend, model, chat, text, top);
    return scored.map((t) => ({
      token: t.token,
      logprob: t.logprob,
      bytes: bytes(t.token),
      top_logprobs: t.top.map((x) => ({ token: x.token, logprob: x.logprob, bytes: bytes(x.token) })),
    }));
  }
  const s = await backend.scoreDetailed(model, chat, text);
  return s.perToken.map((t) => ({ token: t.text, logprob: t.logprob, bytes: bytes(t.text), top_logprobs: [] }));
}

const usage = (prompt: number, completion: number) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});

async function complete(backend: LlamaBackend, model: AgentModel, r: Resolved, id: string, created: number) {
  const gens = await Promise.all(Array.from({ length: r.req.n }, (_, i) => backend.generate(model, r.chat, sampling(r, i))));
  const choices = await Promise.all(
    gens.map(async (g, index) => ({
      index,
      message: { role: "assistant" as const, content: g.text, refusal: null },
      logprobs: r.req.logprobs ? { content: await logprobsOf(backend, model, r.chat, g.text, r.top), refusal: null } : null,
      finish_reason: g.finishReason,
    })),
  );
  return {
    id,
    object: "chat.completion",
    created,
    model: r.req.model,
    choices,
    usage: usage(
      gens[0]?.promptTokens ?? 0,
      gens.reduce((s, g) => s + g.completionTokens, 0),
    ),
  };
}

async function echo(backend: LlamaBackend, model: AgentModel, r: Resolved, id: string, created: number) {
  const last = r.chat[r.chat.length - 1]!;
  if (last.role !== "assistant") throw badRequest("echo: the last message must be the assistant's (the text to score)", "messages");
  const context = r.chat.slice(0, -1);
  const content = await logprobsOf(backend, model, context, last.content, r.top);
  const promptTokens = await backend.countPromptTokens(model, context);
  const choice = {
    index: 0,
    message: { role: "assistant" as const, content: last.content, refusal: null },
    logprobs: { content, refusal: null },
    finish_reason: "stop" as const,
  };
  return { id, object: "chat.completion", created, model: r.req.model, choices: [choice], usage: usage(promptTokens, content.length) };
}

function chunk(r: Resolved, id: string, created: number, choice: Record<string, unknown>) {
  return {
    id,
    object: "chat.completion.chunk",
    created,
    model: r.req.model,
    choices: [{ logprobs: null, finish_reason: null, ...choice }],
  };
}

function wantsUsage(r: Resolved): boolean {
  return !!(r.req as { stream_options?: { include_usage?: boolean } | null }).stream_options?.include_usage;
}

function stream(c: Context, backend: LlamaBackend, model: AgentModel, r: Resolved, id: string, created: number): Response {
  return sseResponse(c, async (out: SseWriter) => {
    const gens: Generation[] = await Promise.all(
      Array.from({ length: r.req.n }, async (_, index) => {
        out.send(chunk(r, id, created, { index, delta: { role: "assistant", content: "" } }));
        const g = await backend.generate(model, r.chat, {
          ...sampling(r, index),
          onText: (content) => out.send(chunk(r, id, created, { index, delta: { content } })),
        });
        const logprobs = r.req.logprobs ? { content: await logprobsOf(backend, model, r.chat, g.text, r.top), refusal: null } : null;
        out.send(chunk(r, id, created, { index, delta: {}, logprobs, finish_reason: g.finishReason }));
        return g;
      }),
    );
    if (wantsUsage(r))
      out.send({
        id,
        object: "chat.completion.chunk",
        created,
        model: r.req.model,
        choices: [],
        usage: usage(
          gens[0]?.promptTokens ?? 0,
          gens.reduce((s, g) => s + g.completionTokens, 0),
        ),
      });
  });
}

async function society(c: Context, backend: LlamaBackend, spec: SocietySpec, r: Resolved, id: string, created: number): Promise<Response> {
  if (r.req.logprobs)
    throw badRequest("logprobs are not available for the society (its answer is a vote, not one model's sample)", "logprobs");
  const question = societyQuestion(r.chat);
  if (question === undefined) throw badRequest("the society answers the last user message: send one", "messages");
  const answers = await Promise.all(
    Array.from({ length: r.req.n }, (_, i) =>
      societyAnswer(backend, spec, question, {
        seed: seedOf(r, i),
        temperature: r.req.temperature,
        topP: r.req.top_p,
        maxTokens: r.maxTokens,
        stop: r.stop,
      }),
    ),
  );
  // The debate behind each answer travels in an extension field that OpenAI clients ignore.
  const meta = (a: (typeof answers)[number]) => ({ answer: a.answer, votes: a.votes, tie_break: a.tieBreak, turns: a.turns });
  const total = usage(
    answers.reduce((s, a) => s + a.promptTokens, 0),
    answers.reduce((s, a) => s + a.completionTokens, 0),
  );
  if (!r.req.stream) {
    return c.json({
      id,
      object: "chat.completion",
      created,
      model: SOCIETY_MODEL_ID,
      choices: answers.map((a, index) => ({
        index,
        message: { role: "assistant", content: a.text, refusal: null },
        logprobs: null,
        finish_reason: a.finishReason,
        society: meta(a),
      })),
      usage: total,
    });
  }
  return sseResponse(c, async (out) => {
    answers.forEach((a, index) => {
      out.send(chunk(r, id, created, { index, delta: { role: "assistant", content: a.text } }));
      out.send(chunk(r, id, created, { index, delta: {}, finish_reason: a.finishReason, society: meta(a) }));
    });
    if (wantsUsage(r)) out.send({ id, object: "chat.completion.chunk", created, model: SOCIETY_MODEL_ID, choices: [], usage: total });
  });
}
