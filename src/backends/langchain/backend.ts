/**
 * Any chat-model provider langchain knows, named "provider:model" ("anthropic:claude-3-5-haiku-latest",
 * "google-genai:gemini-2.0-flash", "ollama:llama3.1", "openai:gpt-4o-mini"), through `initChatModel` of the
 * `langchain` package. The provider's own package (@langchain/anthropic, …) is optional: install the ones you
 * use; a missing one is a UserError naming it. Keys come from the provider's usual environment variables
 * (ANTHROPIC_API_KEY, …) or `fields`. Requests are bounded and retried like the openai backend's.
 *
 * Seeds: passed to providers whose API takes one (openai, azure_openai); others sample without one, so their
 * turns are not reproducible (stored turns are still read back on resume). Scoring a given completion needs
 * echo log-probabilities, which chat providers do not offer: a UserError (use the openai backend against
 * society serve or vLLM for likelihood metrics).
 */
import pLimit, { type LimitFunction } from "p-limit";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { UserError } from "../../errors.js";
import { replyText, toLangchain } from "../langchain-messages.js";
import { withRetries } from "../openai/retry.js";
import type { AgentModel, Backend, ChatMessage, GenerateOptions, Generation, Score } from "../types.js";

export interface LangchainBackendOptions {
  /** Extra constructor fields for every model (e.g. `{ configuration: { baseURL } }` for openai, `baseUrl` for ollama). */
  fields?: Record<string, unknown>;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  timeoutS?: number;
  maxRetries?: number;
  retryBaseMs?: number;
}

/** Providers whose chat API accepts a sampling seed. */
const SEEDED = new Set(["openai", "azure_openai"]);

export class LangchainBackend implements Backend {
  private readonly limit: LimitFunction;
  private readonly models = new Map<string, Promise<BaseChatModel>>();

  constructor(readonly opts: LangchainBackendOptions = {}) {
    this.limit = pLimit(opts.concurrency ?? 8);
  }

  async generate(model: AgentModel, chat: ChatMessage[], o: GenerateOptions): Promise<Generation> {
    const { provider } = parseProviderModel(model);
    const llm = await this.chatModel(model.base, o);
    const g = await this.limit(() =>
      withRetries(
        async () => {
          const t0 = performance.now();
          const msg = await llm.invoke(toLangchain(chat), {
            ...(SEEDED.has(provider) ? { seed: o.seed } : {}),
            ...(o.stop?.length ? { stop: o.stop } : {}),
            timeout: (this.opts.timeoutS ?? 120) * 1000,
          } as Parameters<BaseChatModel["invoke"]>[1]);
          const usage = msg.usage_metadata;
          const meta = msg.response_metadata as { finish_reason?: string; stop_reason?: string } | undefined;
          const finish = meta?.finish_reason ?? meta?.stop_reason;
          return {
            text: replyText(msg),
            promptTokens: usage?.input_tokens ?? 0,
            completionTokens: usage?.output_tokens ?? 0,
            latencyMs: performance.now() - t0,
            finishReason: finish === "length" || finish === "max_tokens" ? "length" : "stop",
          } satisfies Generation;
        },
        { maxRetries: this.opts.maxRetries ?? 4, baseDelayMs: this.opts.retryBaseMs ?? 1000, what: `langchain ${model.base}` },
      ),
    );
    if (o.onText && g.text) o.onText(g.text);
    return g;
  }

  async score(model: AgentModel): Promise<Score> {
    throw new UserError(
      `langchain ${model.base}: chat providers cannot score a given completion (no echo log-probabilities); use the llama backend, or the openai backend against society serve or vLLM, for likelihood metrics`,
    );
  }

  async close(): Promise<void> {
    this.models.clear();
  }

  /** One model per (provider:model, sampling settings), as the openai backend keeps one ChatOpenAI. */
  private chatModel(name: string, o: GenerateOptions): Promise<BaseChatModel> {
    const key = JSON.stringify([name, o.temperature, o.topP, o.maxTokens]);
    let m = this.models.get(key);
    if (!m) {
      m = (async () => {
        // Loaded here: langchain (and langgraph under it) only costs a run that seats such an agent.
        const { initChatModel } = await import("langchain/chat_models/universal");
        try {
          return (await initChatModel(name, {
            temperature: o.temperature,
            topP: o.topP,
            maxTokens: o.maxTokens,
            maxRetries: 0,
            ...this.opts.fields,
          })) as unknown as BaseChatModel;
        } catch (e) {
          const msg = (e as Error).message;
          const pkg = /Unable to import (\S+)\./.exec(msg)?.[1];
          if (pkg) throw new UserError(`langchain ${name}: its provider package ${pkg} is not installed (npm install ${pkg})`);
          if (/Unsupported \{ modelProvider|Unable to infer model provider/.test(msg))
            throw new UserError(`langchain ${name}: ${msg.split("\n")[0]} (name it "provider:model")`);
          throw e;
        }
      })();
      m.catch(() => this.models.delete(key));
      this.models.set(key, m);
    }
    return m;
  }
}

/** "provider:model" → its parts; an adapter is a local-GGUF notion. */
export function parseProviderModel(m: AgentModel): { provider: string; model: string } {
  if (m.adapter)
    throw new UserError(`the langchain backend serves provider models; it cannot apply the local LoRA adapter ${m.adapter} to "${m.base}"`);
  const i = m.base.indexOf(":");
  if (i <= 0 || i === m.base.length - 1)
    throw new UserError(`langchain model "${m.base}": name it "provider:model", e.g. "anthropic:claude-3-5-haiku-latest"`);
  return { provider: m.base.slice(0, i), model: m.base.slice(i + 1) };
}
