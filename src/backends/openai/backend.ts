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
import { ChatOpenAI } from "@langchain/openai";
import OpenAI from "openai";
import pLimit, { type LimitFunction } from "p-limit";
import { UserError } from "../../errors.js";
import { replyText, toLangchain } from "../langchain-messages.js";
import type { AgentModel, Backend, ChatMessage, GenerateOptions, Generation, Score } from "../types.js";
import { EndpointAddresser, type AdapterAddressing, type Address } from "./addressing.js";
import { openaiApiKey } from "./api-key.js";
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
  /** How a request names an agent's adapter on this endpoint (addressing.ts). Default "none": remote ids only. */
  adapters?: AdapterAddressing;
  env?: NodeJS.ProcessEnv;
}

export class OpenAIBackend implements Backend {
  /** At most `concurrency` requests in flight, the rest queued in arrival order. */
  private readonly limit: LimitFunction;
  private readonly apiKey: string;
  private readonly chatModels = new Map<string, ChatOpenAI>();
  private client?: OpenAI;
  private readonly addresser: EndpointAddresser;

  constructor(readonly opts: OpenAIBackendOptions = {}) {
    this.apiKey = openaiApiKey(opts, "the openai backend");
    this.limit = pLimit(opts.concurrency ?? 8);
    this.addresser = new EndpointAddresser(this.url, opts.adapters ?? "none", (url) => this.getJson(url));
  }

  /** The endpoint's base URL. */
  get url(): string {
    return this.opts.baseURL ?? "https://api.openai.com/v1";
  }

  /** Requests in flight or waiting for a slot (the pool sends the next one where this is lowest per slot). */
  get load(): number {
    return this.limit.activeCount + this.limit.pendingCount;
  }

  get concurrency(): number {
    return this.limit.concurrency;
  }

  private get what(): string {
    return `POST ${this.url}/chat/completions`;
  }

  async generate(model: AgentModel, chat: ChatMessage[], o: GenerateOptions): Promise<Generation> {
    const addr = await this.addresser.address(model);
    const llm = this.chatModel(addr, o);
    const g = await this.limit(() =>
      withRetries(async () => {
        const t0 = performance.now();
        const msg = await llm.invoke(toLangchain(chat), { seed: o.seed, ...(o.stop?.length ? { stop: o.stop } : {}) });
        const latencyMs = performance.now() - t0;
        const usage = msg.usage_metadata;
        const finish = (msg.response_metadata as { finish_reason?: string } | undefined)?.finish_reason;
        return {
          text: replyText(msg),
          promptTokens: usage?.input_tokens ?? 0,
          completionTokens: usage?.output_tokens ?? 0,
          latencyMs,
          finishReason: finish === "length" ? "length" : "stop",
          endpoint: this.url,
        } satisfies Generation;
      }, this.retryOpts()),
    );
    // After the retries: a retried request must not send its text twice.
    if (o.onText && g.text) o.onText(g.text);
    return g;
  }

  async score(model: AgentModel, chat: ChatMessage[], completion: string): Promise<Score> {
    const addr = await this.addresser.address(model);
    const client = (this.client ??= new OpenAI({
      apiKey: this.apiKey,
      baseURL: this.opts.baseURL,
      timeout: (this.opts.timeoutS ?? 120) * 1000,
      maxRetries: 0,
    }));
    const unsupported = (why: string) =>
      new UserError(
        `${this.what}: this endpoint cannot score a given completion (${why}); scoring needs echo log-probabilities of a supplied assistant message (society serve or vLLM); use the llama backend for likelihood metrics`,
      );
    const res = await this.limit(() =>
      withRetries(async () => {
        try {
          // echo/add_generation_prompt/continue_final_message are extensions the SDK does not type.
          const body = {
            ...addr.extra,
            model: addr.model,
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
      }, this.retryOpts()),
    );
    const content = res.choices[0]?.logprobs?.content;
    // An endpoint that ignored `echo` returns the logprobs of something it generated instead: check the tokens spell the completion.
    if (!content || content.map((t) => t.token).join("") !== completion)
      throw unsupported("its logprobs do not cover the supplied completion");
    return { logprob: content.reduce((s, t) => s + t.logprob, 0), tokens: content.length };
  }

  async close(): Promise<void> {
    this.chatModels.clear();
  }

  private retryOpts() {
    return { maxRetries: this.opts.maxRetries ?? 4, baseDelayMs: this.opts.retryBaseMs ?? 1000, what: this.what };
  }

  /** GET a JSON document from this endpoint (model and adapter lists), with its key and timeout. */
  private async getJson(url: string): Promise<unknown> {
    return withRetries(
      async () => {
        const res = await fetch(url, {
          headers: { authorization: `Bearer ${this.apiKey}` },
          signal: AbortSignal.timeout((this.opts.timeoutS ?? 120) * 1000),
        });
        if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`), { status: res.status });
        return res.json();
      },
      { ...this.retryOpts(), what: `GET ${url}` },
    );
  }

  /** One ChatOpenAI per (model, extra fields, sampling settings): they are cheap and keep their HTTP client. */
  private chatModel(addr: Address, o: GenerateOptions): ChatOpenAI {
    const id = addr.model;
    const key = JSON.stringify([id, addr.extra ?? null, o.temperature, o.topP, o.maxTokens]);
    let llm = this.chatModels.get(key);
    if (!llm) {
      llm = new ChatOpenAI({
        model: id,
        temperature: o.temperature,
        topP: o.topP,
        maxTokens: o.maxTokens,
        apiKey: this.apiKey,
        ...(addr.extra ? { modelKwargs: addr.extra } : {}),
        maxRetries: 0,
        timeout: (this.opts.timeoutS ?? 120) * 1000,
        configuration: { baseURL: this.opts.baseURL, maxRetries: 0 },
      });
      this.chatModels.set(key, llm);
    }
    return llm;
  }
}
