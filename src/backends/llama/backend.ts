/**
 * Local GGUF inference through node-llama-cpp.
 *
 * Arrangement (why): every base GGUF is loaded once and shared. llama.cpp applies LoRA adapters per
 * context, so each distinct (base, adapter) gets ONE generation context with `parallel` sequences,
 * driven by a BatchDecoder: all agents on that pair decode together, one llama.cpp batch per step.
 * Agents with different adapters need different contexts (own KV cache, own decode call per step);
 * eval/bench/debate-throughput/README.md has the measured cost. Scoring uses a small separate context
 * per pair (node-llama-cpp's sequence API), created on first use.
 */
import { getLlama, LlamaLogLevel, type ChatWrapper, type Llama, type LlamaContext, type LlamaModel, type Token } from "node-llama-cpp";
import { UserError } from "../../errors.js";
import { readGgufHeader } from "../../formats/gguf-header.js";
import type { AgentModel, Backend, ChatMessage, GenerateOptions, Generation, Score } from "../types.js";
import { modelKey } from "../types.js";
import { BatchDecoder } from "./batch-decoder.js";
import { contextThreads } from "./context-threads.js";
import { renderPromptTokens } from "./chat.js";
import { todayUtc } from "../../util/today.js";
import { chatWrapperFor, type ChatTemplateOptions } from "./chat-wrapper.js";
import { generateOnSequence } from "./generate.js";
import { nativeOf } from "./native.js";
import { scoreOnSequence } from "./score.js";
import { SequencePool } from "./sequence-pool.js";
import { cutAtStop, stopChecker } from "./stops.js";
import { TextStream } from "./text-stream.js";

export interface LlamaBackendOptions {
  /** "auto" (default) picks CUDA/Vulkan/Metal when present, else CPU; false forces CPU. */
  gpu?: "auto" | false | "cuda" | "vulkan" | "metal";
  /** Threads shared by all contexts (llama `maxThreads`). Default: $SOCIETY_LLAMA_THREADS, else node-llama-cpp's (all math cores). */
  threads?: number;
  /** KV-cache tokens per sequence (prompt + reply), capped at the model's training context. Default 2048. */
  contextSize?: number;
  /** Parallel sequences per (base, adapter) generation context. Default 8. */
  parallel?: number;
  /** Tokens per llama.cpp decode call. Default 512. */
  batchSize?: number;
  /**
   * Flash attention. Default false: measured on CPU, it makes logits depend on how a prompt is chunked
   * into batches (differences ~2.6e-4, enough to change sampled tokens when other requests share the
   * batch); without it they agree to ~1e-7, so reruns and resumed runs sample the same text.
   */
  flashAttention?: boolean;
  /** Use node-llama-cpp's public sequence API for generation instead of the native batch decoder (slower; for comparison). */
  publicApiOnly?: boolean;
  /**
   * Which chat template renders prompts: by default each model's own (its GGUF's tokenizer.chat_template),
   * with strftime_now() pinned to `date` (a run pins it; default today). The trainer renders with the same.
   */
  chatTemplate?: ChatTemplateOptions;
}

/** The shortest prefix of `tokens` whose text covers `text` (a reply cut at a stop string keeps the tokens up to the cut). */
function tokensCovering(model: LlamaModel, tokens: Token[], text: string): Token[] {
  if (model.detokenize(tokens).length <= text.length) return tokens;
  for (let k = 0; k <= tokens.length; k++) if (model.detokenize(tokens.slice(0, k)).length >= text.length) return tokens.slice(0, k);
  return tokens;
}

export interface DetailedScore extends Score {
  perToken: Array<{ token: Token; text: string; logprob: number; top?: Array<{ token: Token; text: string; logprob: number }> }>;
}

/** A generation context: the batch decoder, or (fallback) a pool of node-llama-cpp sequences. */
type Generator = { context: LlamaContext; decoder?: BatchDecoder; pool?: SequencePool };

/** One lock for decodes across contexts on Vulkan (node-llama-cpp does the same: concurrent Vulkan decodes crash). */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const r = this.tail.then(fn);
    this.tail = r.catch(() => undefined);
    return r;
  }
}

export class LlamaBackend implements Backend {
  private readonly models = new Map<string, Promise<{ model: LlamaModel; wrapper: ChatWrapper }>>();
  private readonly generators = new Map<string, Promise<Generator>>();
  private readonly scorers = new Map<string, Promise<SequencePool>>();
  private readonly vulkanLock = new Mutex();
  private closed = false;

  private constructor(
    readonly llama: Llama,
    readonly options: Required<Pick<LlamaBackendOptions, "contextSize" | "parallel" | "batchSize">> & LlamaBackendOptions,
  ) {}

  static async create(opts: LlamaBackendOptions = {}): Promise<LlamaBackend> {
    // node-llama-cpp adds a process exit hook per context; a society runs one context per adapter.
    process.setMaxListeners(Math.max(process.getMaxListeners(), 64));
    const envThreads = Number(process.env.SOCIETY_LLAMA_THREADS);
    const threads = opts.threads ?? (Number.isInteger(envThreads) && envThreads > 0 ? envThreads : undefined);
    const llama = await getLlama({
      gpu: opts.gpu ?? "auto",
      logLevel: LlamaLogLevel.error,
      ...(threads !== undefined ? { maxThreads: threads } : {}),
    });
    // One day for every model this backend loads, however long it runs.
    const chatTemplate = { ...opts.chatTemplate, date: opts.chatTemplate?.date ?? todayUtc() };
    return new LlamaBackend(llama, {
      ...opts,
      threads,
      chatTemplate,
      contextSize: opts.contextSize ?? 2048,
      parallel: opts.parallel ?? 8,
      batchSize: opts.batchSize ?? 512,
    });
  }

  /** The chat template every prompt renders with, its day pinned (what a trainer must render with to match). */
  get chatTemplate(): ChatTemplateOptions {
    return this.options.chatTemplate!;
  }

  /** "cuda" | "vulkan" | "metal" | false (CPU). */
  get gpu(): string | false {
    return this.llama.gpu;
  }

  async generate(m: AgentModel, chat: ChatMessage[], opts: GenerateOptions): Promise<Generation> {
    const { model, wrapper } = await this.loadModel(m.base);
    const prompt = renderPromptTokens(model, wrapper, chat);
    const { tokens: _, eog: __, ...g } = await this.generateFrom(m, prompt.tokens, prompt.stopStrings, opts);
    return g;
  }

  /**
   * A raw completion (no chat template): continues `prompt`, token ids as given, until an end-of-generation
   * token, a stop string or maxTokens. `tokens`: the reply's tokens, cut where a stop string cut its text;
   * `eog`: the end-of-generation token that ended it, if one did (not in the text, but sampled all the same).
   */
  async generateTokens(m: AgentModel, prompt: Token[], opts: GenerateOptions): Promise<Generation & { tokens: Token[]; eog?: Token }> {
    if (prompt.length === 0) throw new UserError("the prompt is empty: there is nothing to continue");
    return this.generateFrom(m, prompt, [], opts);
  }

  private async generateFrom(
    m: AgentModel,
    promptTokens: Token[],
    stopStrings: readonly string[],
    opts: GenerateOptions,
  ): Promise<Generation & { tokens: Token[]; eog?: Token }> {
    const t0 = performance.now();
    const { model } = await this.loadModel(m.base);
    const gen = await this.generator(m);
    const ctxSize = gen.context.contextSize;
    const room = ctxSize - promptTokens.length;
    if (room < 1) {
      throw new UserError(
        `prompt of ${promptTokens.length} tokens does not fit the context size ${ctxSize} (model.context_size) for ${modelKey(m)}`,
      );
    }
    const stops = [...stopStrings, ...(opts.stop ?? [])].filter((s) => s.length > 0); // "" would stop at once
    const maxTokens = Math.min(opts.maxTokens, room);
    const textStream = opts.onText ? new TextStream(model, stops, opts.onText) : undefined;
    if (gen.decoder) {
      const checker = stopChecker(model, stops);
      const r = await gen.decoder.generate({
        prompt: promptTokens,
        temperature: opts.temperature,
        topP: opts.topP,
        seed: opts.seed,
        maxTokens,
        stopped: textStream ? (tokens) => (textStream.update(tokens), checker?.(tokens) ?? false) : checker,
      });
      const cut = cutAtStop(model.detokenize(r.tokens), stops);
      textStream?.finish(cut.text);
      return {
        text: cut.text,
        tokens: tokensCovering(model, r.tokens, cut.text),
        ...(r.eog !== undefined && !cut.stopped ? { eog: r.eog } : {}),
        promptTokens: promptTokens.length,
        completionTokens: r.tokens.length,
        latencyMs: performance.now() - t0,
        finishReason: r.reason === "length" && !cut.stopped ? "length" : "stop",
      };
    }
    const g = await gen.pool!.use((seq) => generateOnSequence(seq, promptTokens, { ...opts, maxTokens }, stops, textStream));
    return { ...g, tokens: tokensCovering(model, g.tokens, g.text), latencyMs: performance.now() - t0 };
  }

  /**
   * log p(tokens[i] | tokens[0..i)) for every i ≥ 1 (the first token has no context), with the `top` most
   * likely tokens at each position when asked: a raw sequence scored as llama.cpp's logits give it.
   */
  async scoreTokens(m: AgentModel, tokens: Token[], top = 0): Promise<DetailedScore["perToken"]> {
    const { model } = await this.loadModel(m.base);
    const pool = await this.scorer(m);
    if (tokens.length > pool.context.contextSize) {
      throw new UserError(
        `score: ${tokens.length} tokens exceed the context size ${pool.context.contextSize} (model.context_size) for ${modelKey(m)}`,
      );
    }
    if (tokens.length < 2) return [];
    const per = await pool.use((seq) => scoreOnSequence(seq, tokens.slice(0, 1), tokens.slice(1), top));
    return per.map((t) => ({
      token: t.token,
      text: model.detokenize([t.token]),
      logprob: t.logprob,
      ...(t.top ? { top: t.top.map((x) => ({ token: x.token, text: model.detokenize([x.token]), logprob: x.logprob })) } : {}),
    }));
  }

  /**
   * A raw text as llama.cpp's server tokenizes a prompt: special-token spellings parsed, and with
   * `addSpecial` the BOS the model's tokenizer asks for.
   */
  async tokenize(base: string, text: string, addSpecial: boolean): Promise<Token[]> {
    const { model } = await this.loadModel(base);
    const tokens = model.tokenize(text, true);
    const bos = model.tokens.bos;
    return addSpecial && bos !== null && model.tokens.shouldPrependBosToken && tokens[0] !== bos ? [bos, ...tokens] : tokens;
  }

  async detokenize(base: string, tokens: readonly Token[]): Promise<string> {
    const { model } = await this.loadModel(base);
    return model.detokenize(tokens as Token[], true);
  }

  /** The tokenizer's special strings and its chat template text (what lm-eval's remote tokenizer reads). */
  async tokenizerInfo(base: string): Promise<{ bos?: string; eos?: string; eot?: string; chatTemplate?: string; vocabSize: number }> {
    const { model } = await this.loadModel(base);
    const t = model.tokens;
    const meta = (model.fileInfo.metadata as { tokenizer?: { chat_template?: unknown; ggml?: { tokens?: readonly string[] } } }).tokenizer;
    const template = meta?.chat_template;
    return {
      bos: t.bosString ?? undefined,
      eos: t.eosString ?? undefined,
      eot: t.eotString ?? undefined,
      chatTemplate: typeof template === "string" ? template : undefined,
      vocabSize: meta?.ggml?.tokens?.length ?? 0,
    };
  }

  async score(m: AgentModel, chat: ChatMessage[], completion: string): Promise<Score> {
    const { logprob, tokens } = await this.scoreDetailed(m, chat, completion);
    return { logprob, tokens };
  }

  /**
   * Like `score`, with each completion token's text and log-probability, and with `top` > 0 the most
   * likely tokens at each position (the server's logprobs / top_logprobs use it).
   */
  async scoreDetailed(m: AgentModel, chat: ChatMessage[], completion: string, opts: { top?: number } = {}): Promise<DetailedScore> {
    const { model, wrapper } = await this.loadModel(m.base);
    const pool = await this.scorer(m);
    const prompt = renderPromptTokens(model, wrapper, chat);
    // The completion as text (special-token spellings stay text), the way the model would write it.
    const completionTokens = model.tokenize(completion, false);
    if (prompt.tokens.length + completionTokens.length > pool.context.contextSize) {
      throw new UserError(
        `score: prompt + completion (${prompt.tokens.length + completionTokens.length} tokens) exceed the context size ${pool.context.contextSize} (model.context_size) for ${modelKey(m)}`,
      );
    }
    const per = await pool.use((seq) => scoreOnSequence(seq, prompt.tokens, completionTokens, opts.top ?? 0));
    const text = (t: Token) => model.detokenize([t]);
    return {
      logprob: per.reduce((s, t) => s + t.logprob, 0),
      tokens: per.length,
      perToken: per.map((t) => ({
        token: t.token,
        text: text(t.token),
        logprob: t.logprob,
        ...(t.top ? { top: t.top.map((x) => ({ token: x.token, text: text(x.token), logprob: x.logprob })) } : {}),
      })),
    };
  }

  /** Counts tokens the way generation would see a prompt (for budgeting and reports). */
  async countPromptTokens(m: AgentModel, chat: ChatMessage[]): Promise<number> {
    return (await this.promptTokens(m, chat)).length;
  }

  /** The tokens generation feeds the model before the reply to `chat` (its chat template's generation prompt). */
  async promptTokens(m: AgentModel, chat: ChatMessage[]): Promise<Token[]> {
    const { model, wrapper } = await this.loadModel(m.base);
    return renderPromptTokens(model, wrapper, chat).tokens;
  }

  /** Loads what these agents need for generation now (so the first request does not pay for it mid-batch). */
  async preload(models: readonly AgentModel[]): Promise<void> {
    await Promise.all(models.map((m) => this.generator(m)));
  }

  /**
   * Frees every context and model that none of `keep` needs (waiting for their in-flight requests).
   * Note: llama.cpp keeps a LoRA adapter's weights until its base model is disposed, so dropping an
   * adapter's context frees its KV cache but not the adapter tensors.
   */
  async retain(keep: readonly AgentModel[]): Promise<void> {
    const keys = new Set(keep.map(modelKey));
    const bases = new Set(keep.map((m) => m.base));
    for (const [key, p] of [...this.generators]) {
      if (keys.has(key)) continue;
      this.generators.delete(key);
      const g = await p.catch(() => undefined);
      if (!g) continue;
      await g.decoder?.idle();
      if (g.pool) await g.pool.dispose();
      else await g.context.dispose();
    }
    for (const [key, p] of [...this.scorers]) {
      if (keys.has(key)) continue;
      this.scorers.delete(key);
      await (await p.catch(() => undefined))?.dispose();
    }
    for (const [base, entry] of [...this.models]) {
      if (bases.has(base)) continue;
      this.models.delete(base);
      await (await entry.catch(() => undefined))?.model.dispose();
    }
  }

  /** What is loaded now: base paths, and (base+adapter) generation and scoring contexts. */
  loaded(): { models: string[]; contexts: string[]; scorers: string[] } {
    return { models: [...this.models.keys()], contexts: [...this.generators.keys()], scorers: [...this.scorers.keys()] };
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
        readGgufHeader(base, "model"); // before node-llama-cpp parses it: a broken file is an error, not a hang
        const model = await this.llama.loadModel({ modelPath: base });
        return { model, wrapper: chatWrapperFor(model, this.options.chatTemplate).wrapper };
      })();
      entry.catch(() => this.models.delete(base));
      this.models.set(base, entry);
    }
    return entry;
  }

  private async createContext(m: AgentModel, sequences: number): Promise<{ model: LlamaModel; context: LlamaContext }> {
    const { model } = await this.loadModel(m.base);
    if (m.adapter) readGgufHeader(m.adapter, "LoRA adapter");
    const context = await model.createContext({
      sequences,
      ...contextThreads(this.llama, model, this.options.threads),
      // Never beyond what the model was trained on.
      contextSize: Math.min(this.options.contextSize, model.trainContextSize),
      batchSize: this.options.batchSize,
      flashAttention: this.options.flashAttention ?? false,
      ...(m.adapter ? { lora: { adapters: [{ filePath: m.adapter }] } } : {}),
    });
    return { model, context };
  }

  private generator(m: AgentModel): Promise<Generator> {
    const key = modelKey(m);
    let p = this.generators.get(key);
    if (!p) {
      p = (async (): Promise<Generator> => {
        const { model, context } = await this.createContext(m, this.options.parallel);
        const native = this.options.publicApiOnly ? undefined : nativeOf(model, context);
        if (!native) return { context, pool: new SequencePool(context) };
        const lock = this.llama.gpu === "vulkan" ? this.vulkanLock : undefined;
        return { context, decoder: new BatchDecoder(model, native, this.options.parallel, context.batchSize, lock) };
      })();
      p.catch(() => this.generators.delete(key));
      this.generators.set(key, p);
    }
    return p;
  }

  private scorer(m: AgentModel): Promise<SequencePool> {
    const key = modelKey(m);
    let p = this.scorers.get(key);
    if (!p) {
      p = this.createContext(m, 2).then(({ context }) => new SequencePool(context));
      p.catch(() => this.scorers.delete(key));
      this.scorers.set(key, p);
    }
    return p;
  }
}
