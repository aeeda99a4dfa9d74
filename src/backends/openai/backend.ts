/**
 * Any OpenAI-compatible chat endpoint (OpenAI, vLLM, llama-server, `society serve`) through
 * @langchain/openai's ChatOpenAI. Requests are bounded by a semaphore, retried with backoff on
 * 429/5xx/timeouts (our retry loop; the SDK's own retries are off so attempts are counted once), and
 * token usage comes from the endpoint's `usage`.
 *
 * Scoring a given completion needs the endpoint to echo log-probabilities of a supplied assistant
 * message (`echo: true` + `logprobs: true`, as `society serve` and vLLM do); OpenAI's hosted API cannot,
 * and that is a UserError, not a silent wrong number.
 */
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import { ChatOpenAI } from "@langchain/openai";
import OpenAI from "openai";
import { UserError } from "../../errors.js";
import { Semaphore } from "../semaphore.js";
import type { AgentModel, Backend, ChatMessage, GenerateOptions, Generation, Score } from "../types.js";
import { statusOf, withRetries } from "./retry.js";

export interface OpenAIBackendOptions {
  /** e.g. http://127.0.0.1:8080/v1; default OpenAI's API. */
  baseURL?: string;
  /** The environment variable holding the key. Default OPENAI_API_KEY. */
  apiKeyEnv?: string;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  /** Per-request timeout. Default 120 s. */
  timeoutS?: number;
  /** Retries after the first attempt. Default 4. */
  maxRetries?: number;
  /** First backoff delay. Default 1000 ms. */
  retryBaseMs?: number;
  env?: NodeJS.ProcessEnv;
}

export class OpenAIBackend implements Backend {
  private readonly limit: Semaphore;
  private readonly apiKey: string;
  private readonly chatModels = new Map<string, ChatOpenAI>();
  private client?: OpenAI;

  constructor(readonly opts: OpenAIBackendOptions = {}) {
    const env = opts.env ?? process.env;
    const keyVar = opts.apiKeyEnv ?? "OPENAI_API_KEY";
    const key = env[keyVar];
    if (!key && !opts.baseURL) throw new UserError(`the openai backend needs an API key: set $${keyVar} (model.openai.api_key_env names the variable)`);
    // Self-hosted endpoints often need no key; the SDK still wants a non-empty string.
    this.apiKey = key || "no-key";
    this.limit = new Semaphore(opts.concurrency ?? 8);
  }

  private get what(): string {
    return `POST ${this.opts.baseURL ?? "https://api.openai.com/v1"}/chat/completions`;
  }

  async generate(model: AgentModel, chat: ChatMessage[], o: GenerateOptions): Promise<Generation> {
    const id = remoteId(model);
    const llm = this.chatModel(id, o);
    const g = await this.limit.run(() => withRetries(async () => {
      const t0 = performance.now();
      const msg = await llm.invoke(toLangchain(chat), { seed: o.seed, ...(o.stop?.length ? { stop: o.stop } : {}) });
      const latencyMs = performance.now() - t0;
      const usage = msg.usage_metadata;
      const finish = (msg.response_metadata as { finish_reason?: string } | undefined)?.finish_reason;
      return {
        text: typeof msg.content === "string" ? msg.content : msg.content.map((p) => ("text" in p ? String(p.text) : "")).join(""),
        promptTokens: usage?.input_tokens ?? 0,
        completionTokens: usage?.output_tokens ?? 0,
        latencyMs,
        finishReason: finish === "length" ? "length" : "stop",
      } satisfies Generation;
    }, this.retryOpts()));
    // After the retries: a retried request must not send its text twice.
    if (o.onText && g.text) o.onText(g.text);
    return g;
  }

  async score(model: AgentModel, chat: ChatMessage[], completion: string): Promise<Score> {
    const id = remoteId(model);
    const client = (this.client ??= new OpenAI({ apiKey: this.apiKey, baseURL: this.opts.baseURL, timeout: (this.opts.timeoutS ?? 120) * 1000, maxRetries: 0 }));
    const unsupported = (why: string) => new UserError(
      `${this.what}: this endpoint cannot score a given completion (${why}); scoring needs echo log-probabilities of a supplied assistant message (society serve or vLLM); use the llama backend for likelihood metrics`);
    const res = await this.limit.run(() => withRetries(async () => {
      try {
        // echo/add_generation_prompt/continue_final_message are extensions the SDK does not type.
        const body = {
          model: id,
          messages: [...chat, { role: "assistant", content: completion }],
          max_tokens: 1,
          logprobs: true,
          echo: true,
          add_generation_prompt: false,
          continue_final_message: true,
        } as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
        return await client.chat.completions.create(body);
      } catch (err) {
        const s = statusOf(err);
        if (s === 400 || s === 404 || s === 422) throw unsupported(`HTTP ${s}: ${(err as Error).message.split("\n")[0]}`);
        throw err;
      }
    }, this.retryOpts()));
    const content = res.choices[0]?.logprobs?.content;
    // An endpoint that ignored `echo` returns the logprobs of something it generated instead: check the tokens spell the completion.
    if (!content || content.map((t) => t.token).join("") !== completion) throw unsupported("its logprobs do not cover the supplied completion");
    return { logprob: content.reduce((s, t) => s + t.logprob, 0), tokens: content.length };
  }

  async close(): Promise<void> {
    this.chatModels.clear();
  }

  private retryOpts() {
    return { maxRetries: this.opts.maxRetries ?? 4, baseDelayMs: this.opts.retryBaseMs ?? 1000, what: this.what };
  }

  /** One ChatOpenAI per (model, sampling settings): they are cheap and keep their HTTP client. */
  private chatModel(id: string, o: GenerateOptions): ChatOpenAI {
    const key = JSON.stringify([id, o.temperature, o.topP, o.maxTokens]);
    let llm = this.chatModels.get(key);
    if (!llm) {
      llm = new ChatOpenAI({
        model: id,
        temperature: o.temperature,
        topP: o.topP,
        maxTokens: o.maxTokens,
        apiKey: this.apiKey,
        maxRetries: 0,
        timeout: (this.opts.timeoutS ?? 120) * 1000,
        configuration: { baseURL: this.opts.baseURL, maxRetries: 0 },
      });
      this.chatModels.set(key, llm);
    }
    return llm;
  }
}

function remoteId(m: AgentModel): string {
  if (m.adapter) throw new UserError(`the openai backend serves remote model ids; it cannot apply the local LoRA adapter ${m.adapter} to "${m.base}"`);
  return m.base;
}

function toLangchain(chat: readonly ChatMessage[]): BaseMessage[] {
  return chat.map((m) => (m.role === "system" ? new SystemMessage(m.content) : m.role === "user" ? new HumanMessage(m.content) : new AIMessage(m.content)));
}
