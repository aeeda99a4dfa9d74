/**
 * Local GGUF inference through node-llama-cpp.
 *
 * Arrangement (why): llama.cpp applies LoRA adapters per context, so every distinct (base, adapter)
 * gets ONE context with `parallel` sequences; all agents on that pair share it, and their concurrent
 * requests decode as parallel sequences of the same llama.cpp batch. Every base GGUF is loaded once and
 * shared by all contexts over it. Agents with different adapters need different contexts (each with its
 * own KV cache and its own decode call per step); see eval/bench/debate-throughput/README.md for the
 * measured cost.
 */
import { existsSync } from "node:fs";
import { getLlama, LlamaLogLevel, resolveChatWrapper, type ChatWrapper, type Llama, type LlamaModel } from "node-llama-cpp";
import { UserError } from "../../errors.js";
import type { AgentModel, Backend, ChatMessage, GenerateOptions, Generation, Score } from "../types.js";
import { modelKey } from "../types.js";
import { renderPromptTokens } from "./chat.js";
import { generateOnSequence } from "./generate.js";
import { scoreOnSequence, type TokenLogprob } from "./score.js";
import { lockstepStrategy } from "./lockstep.js";
import { SequencePool } from "./sequence-pool.js";

export interface LlamaBackendOptions {
  /** "auto" (default) picks CUDA/Vulkan/Metal when present, else CPU; false forces CPU. */
  gpu?: "auto" | false | "cuda" | "vulkan" | "metal";
  /** Threads shared by all contexts (llama `maxThreads`). Default: $SOCIETY_LLAMA_THREADS, else node-llama-cpp's (all math cores). */
  threads?: number;
  /** KV-cache tokens per sequence (prompt + reply), capped at the model's training context. Default 2048. */
  contextSize?: number;
  /** Parallel sequences per (base, adapter) context. Default 8. */
  parallel?: number;
  /** Tokens per llama.cpp decode batch. Default: node-llama-cpp's (min(512, contextSize × parallel)). */
  batchSize?: number;
  /**
   * Flash attention. Default false: measured on CPU, it makes logits depend on how a prompt is chunked
   * into batches (differences ~2.6e-4, enough to change sampled tokens when other requests share the
   * batch); without it they agree to ~1e-7, so reruns and resumed runs sample the same text.
   */
  flashAttention?: boolean;
}

export interface DetailedScore extends Score {
  perToken: Array<TokenLogprob & { text: string }>;
}

export class LlamaBackend implements Backend {
  private readonly models = new Map<string, Promise<{ model: LlamaModel; wrapper: ChatWrapper }>>();
  private readonly pools = new Map<string, Promise<SequencePool>>();
  private closed = false;

  private constructor(
    readonly llama: Llama,
    readonly options: Required<Pick<LlamaBackendOptions, "contextSize" | "parallel">> & LlamaBackendOptions,
  ) {}

  static async create(opts: LlamaBackendOptions = {}): Promise<LlamaBackend> {
    const envThreads = Number(process.env.SOCIETY_LLAMA_THREADS);
    const threads = opts.threads ?? (Number.isInteger(envThreads) && envThreads > 0 ? envThreads : undefined);
    const llama = await getLlama({
      gpu: opts.gpu ?? "auto",
      logLevel: LlamaLogLevel.error,
      ...(threads !== undefined ? { maxThreads: threads } : {}),
    });
    return new LlamaBackend(llama, { ...opts, threads, contextSize: opts.contextSize ?? 2048, parallel: opts.parallel ?? 8 });
  }

  /** "cuda" | "vulkan" | "metal" | false (CPU). */
  get gpu(): string | false {
    return this.llama.gpu;
  }

  async generate(m: AgentModel, chat: ChatMessage[], opts: GenerateOptions): Promise<Generation> {
    const { model, wrapper } = await this.loadModel(m.base);
    const pool = await this.pool(m);
    const prompt = renderPromptTokens(model, wrapper, chat);
    const ctxSize = pool.context.contextSize;
    const room = ctxSize - prompt.tokens.length;
    if (room < 1) {
      throw new UserError(`prompt of ${prompt.tokens.length} tokens does not fit the context size ${ctxSize} (model.context_size) for ${modelKey(m)}`);
    }
    const stops = [...prompt.stopStrings, ...(opts.stop ?? [])];
    return pool.use(async (seq) => {
      const t0 = performance.now();
      const g = await generateOnSequence(seq, prompt.tokens, { ...opts, maxTokens: Math.min(opts.maxTokens, room) }, stops);
      return { ...g, latencyMs: performance.now() - t0 };
    });
  }

  async score(m: AgentModel, chat: ChatMessage[], completion: string): Promise<Score> {
    const { logprob, tokens } = await this.scoreDetailed(m, chat, completion);
    return { logprob, tokens };
  }

  /** Like `score`, with each completion token's text and log-probability (the server's logprobs use it). */
  async scoreDetailed(m: AgentModel, chat: ChatMessage[], completion: string): Promise<DetailedScore> {
    const { model, wrapper } = await this.loadModel(m.base);
    const pool = await this.pool(m);
    const prompt = renderPromptTokens(model, wrapper, chat);
    // The completion as text (special-token spellings stay text), the way the model would write it.
    const completionTokens = model.tokenize(completion, false);
    if (prompt.tokens.length + completionTokens.length > pool.context.contextSize) {
      throw new UserError(`score: prompt + completion (${prompt.tokens.length + completionTokens.length} tokens) exceed the context size ${pool.context.contextSize} (model.context_size) for ${modelKey(m)}`);
    }
    const per = await pool.use((seq) => scoreOnSequence(seq, prompt.tokens, completionTokens));
    return {
      logprob: per.reduce((s, t) => s + t.logprob, 0),
      tokens: per.length,
      perToken: per.map((t) => ({ ...t, text: model.detokenize([t.token]) })),
    };
  }

  /** Counts tokens the way generation would see a prompt (for budgeting and reports). */
  async countPromptTokens(m: AgentModel, chat: ChatMessage[]): Promise<number> {
    const { model, wrapper } = await this.loadModel(m.base);
    return renderPromptTokens(model, wrapper, chat).tokens.length;
  }

  /** Loads what these agents need now (so the first request does not pay for it mid-batch). */
  async preload(models: readonly AgentModel[]): Promise<void> {
    await Promise.all(models.map((m) => this.pool(m)));
  }

  /**
   * Frees every context and model that none of `keep` needs (waiting for their in-flight requests).
   * Note: llama.cpp keeps a LoRA adapter's weights until its base model is disposed, so dropping an
   * adapter's context frees its KV cache but not the adapter tensors.
   */
  async retain(keep: readonly AgentModel[]): Promise<void> {
    const keys = new Set(keep.map(modelKey));
    const bases = new Set(keep.map((m) => m.base));
    for (const [key, pool] of [...this.pools]) {
      if (keys.has(key)) continue;
      this.pools.delete(key);
      await (await pool).dispose();
    }
    for (const [base, entry] of [...this.models]) {
      if (bases.has(base)) continue;
      this.models.delete(base);
      await (await entry).model.dispose();
    }
  }

  /** What is loaded now: base paths and (base+adapter) contexts. */
  loaded(): { models: string[]; contexts: string[] } {
    return { models: [...this.models.keys()], contexts: [...this.pools.keys()] };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.retain([]);
    await this.llama.dispose();
  }

  private loadModel(base: string): Promise<{ model: LlamaModel; wrapper: ChatWrapper }> {
    if (this.closed) throw new Error("llama backend is closed");
    let entry = this.models.get(base);
    if (!entry) {
      entry = (async () => {
        if (!existsSync(base)) throw new UserError(`model file not found: ${base}`);
        const model = await this.llama.loadModel({ modelPath: base });
        return { model, wrapper: resolveChatWrapper(model) };
      })();
      entry.catch(() => this.models.delete(base));
      this.models.set(base, entry);
    }
    return entry;
  }

  private pool(m: AgentModel): Promise<SequencePool> {
    const key = modelKey(m);
    let p = this.pools.get(key);
    if (!p) {
      p = (async () => {
        const { model } = await this.loadModel(m.base);
        if (m.adapter && !existsSync(m.adapter)) throw new UserError(`LoRA adapter file not found: ${m.adapter}`);
        const holder: { pool?: SequencePool } = {};
        const context = await model.createContext({
          batching: { itemPrioritizationStrategy: lockstepStrategy(() => holder.pool?.busyCount ?? 0) },
          sequences: this.options.parallel,
          // Never beyond what the model was trained on.
          contextSize: Math.min(this.options.contextSize, model.trainContextSize),
          ...(this.options.batchSize ? { batchSize: this.options.batchSize } : {}),
          flashAttention: this.options.flashAttention ?? false,
          ...(m.adapter ? { lora: { adapters: [{ filePath: m.adapter }] } } : {}),
        });
        return (holder.pool = new SequencePool(context));
      })();
      p.catch(() => this.pools.delete(key));
      this.pools.set(key, p);
    }
    return p;
  }
}
