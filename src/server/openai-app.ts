/**
 * A minimal OpenAI-compatible HTTP API over the llama backend: GET /v1/models and non-streaming
 * POST /v1/chat/completions (n, temperature, top_p, seed, max_tokens, stop, logprobs). The openai
 * backend's tests talk to it over real loopback HTTP; `society serve` grows from it.
 */
import { randomInt, randomUUID } from "node:crypto";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { LlamaBackend } from "../backends/llama/backend.js";
import type { AgentModel, ChatMessage } from "../backends/types.js";
import { isUserError } from "../errors.js";
import { chatRequestSchema, type ChatRequest } from "./chat-request.js";

export type ServedBackend = Pick<LlamaBackend, "generate" | "scoreDetailed">;

export interface OpenAIAppOptions {
  backend: ServedBackend;
  /** Model id clients name → the weights that answer. */
  models: Record<string, AgentModel>;
}

class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly type = "invalid_request_error",
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

export function createOpenAIApp(opts: OpenAIAppOptions): Hono {
  const app = new Hono();
  const created = Math.floor(Date.now() / 1000);

  app.get("/v1/models", (c) =>
    c.json({
      object: "list",
      data: Object.entries(opts.models).map(([id, m]) => ({
        id,
        object: "model",
        created,
        owned_by: "society",
        root: m.adapter ?? m.base,
      })),
    }),
  );

  app.post("/v1/chat/completions", async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new HttpError(400, "request body is not valid JSON");
    }
    const parsed = chatRequestSchema.safeParse(body);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new HttpError(400, `${i.path.join(".") || "body"}: ${i.message}`, "invalid_request_error", i.path.join(".") || null);
    }
    const req = parsed.data;
    const model = opts.models[req.model];
    if (!model)
      throw new HttpError(
        404,
        `model "${req.model}" does not exist (served: ${Object.keys(opts.models).join(", ")})`,
        "invalid_request_error",
        "model",
      );
    if (req.stream) throw new HttpError(400, "stream: true is not supported by this server", "invalid_request_error", "stream");
    if (req.top_logprobs) throw new HttpError(400, "top_logprobs is not supported by this server", "invalid_request_error", "top_logprobs");
    const chat: ChatMessage[] = req.messages.map((m) => ({
      role: m.role === "developer" ? "system" : m.role,
      content: m.content as string,
    }));
    return c.json(req.echo ? await echoScore(opts.backend, model, req, chat) : await complete(opts.backend, model, req, chat));
  });

  app.notFound((c) =>
    c.json({ error: { message: `no route ${c.req.method} ${c.req.path}`, type: "invalid_request_error", param: null, code: null } }, 404),
  );
  app.onError((err, c) => {
    if (err instanceof HttpError)
      return c.json({ error: { message: err.message, type: err.type, param: err.param, code: null } }, err.status);
    const status = isUserError(err) ? 400 : 500;
    return c.json(
      {
        error: {
          message: (err as Error).message,
          type: status === 400 ? "invalid_request_error" : "server_error",
          param: null,
          code: null,
        },
      },
      status,
    );
  });
  return app;
}

async function complete(backend: ServedBackend, model: AgentModel, req: ChatRequest, chat: ChatMessage[]) {
  const maxTokens = req.max_completion_tokens ?? req.max_tokens ?? Number.MAX_SAFE_INTEGER; // the backend caps it at the context
  const stop = req.stop == null ? undefined : typeof req.stop === "string" ? [req.stop] : req.stop;
  // Without a seed the reply is not reproducible (as OpenAI); choice i samples with seed + i.
  const seed = req.seed ?? randomInt(0, 2 ** 31 - 1);
  const gens = await Promise.all(
    Array.from({ length: req.n }, (_, i) =>
      backend.generate(model, chat, { temperature: req.temperature, topP: req.top_p, maxTokens, seed: (seed + i) % 2 ** 31, stop }),
    ),
  );
  const choices = await Promise.all(
    gens.map(async (g, index) => ({
      index,
      message: { role: "assistant" as const, content: g.text },
      logprobs: req.logprobs ? { content: await tokenLogprobs(backend, model, chat, g.text) } : null,
      finish_reason: g.finishReason,
    })),
  );
  const promptTokens = gens[0]?.promptTokens ?? 0;
  const completionTokens = gens.reduce((s, g) => s + g.completionTokens, 0);
  return response(req.model, choices, promptTokens, completionTokens);
}

async function echoScore(backend: ServedBackend, model: AgentModel, req: ChatRequest, chat: ChatMessage[]) {
  const last = chat[chat.length - 1]!;
  if (last.role !== "assistant")
    throw new HttpError(400, "echo: the last message must be the assistant's (the text to score)", "invalid_request_error", "messages");
  const content = await tokenLogprobs(backend, model, chat.slice(0, -1), last.content);
  const choice = {
    index: 0,
    message: { role: "assistant" as const, content: last.content },
    logprobs: { content },
    finish_reason: "stop" as const,
  };
  return response(req.model, [choice], 0, content.length);
}

/** Per-token log-probabilities of `text` as the reply to `chat`, in OpenAI's logprobs.content shape. */
async function tokenLogprobs(backend: ServedBackend, model: AgentModel, chat: ChatMessage[], text: string) {
  const s = await backend.scoreDetailed(model, chat, text);
  return s.perToken.map((t) => ({ token: t.text, logprob: t.logprob, bytes: [...Buffer.from(t.text, "utf8")], top_logprobs: [] }));
}

function response(model: string, choices: unknown[], promptTokens: number, completionTokens: number) {
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices,
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}
