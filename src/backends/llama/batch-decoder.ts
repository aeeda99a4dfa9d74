/**
 * Continuous batched generation on one llama.cpp context: every request in flight advances one token
 * per step, all in ONE decode call, and requests that arrive join at the next step (their prompts
 * prefill in the same batch as the others' next tokens).
 *
 * Why not node-llama-cpp's sequence API: its batch loop lets concurrent sequences drift out of phase
 * (3 sequences decoded as batches of 2) and its per-token path cost ~2 ms more CPU per token than the
 * native calls it wraps (measured on 24 sequences: 10.6 s vs 7.6 s CPU for the same 1523 tokens).
 * This drives the native calls directly (see native.ts) with one seeded sampler per request.
 */
import type { LlamaModel, Token } from "node-llama-cpp";
import type { Native, NativeSampler } from "./native.js";

export interface DecodeRequest {
  prompt: Token[];
  temperature: number;
  topP: number;
  seed: number;
  /** At most this many new tokens (the caller keeps prompt + maxTokens within the context). */
  maxTokens: number;
  /** Called after each new token with all tokens so far; true ends the reply (a stop string was written). */
  stopped?: (tokens: readonly Token[]) => boolean;
}

export interface DecodeResult {
  tokens: Token[];
  /** "eog": end-of-generation token; "stop": `stopped` said so; "length": maxTokens reached. */
  reason: "eog" | "stop" | "length";
  /** The end-of-generation token that ended the reply (reason "eog"); not in `tokens`. */
  eog?: Token;
}

interface Live {
  req: DecodeRequest;
  slot: number;
  sampler: NativeSampler;
  /** Tokens still to feed: the prompt (possibly in chunks), then each sampled token. */
  input: Token[];
  pos: number;
  out: Token[];
  resolve: (r: DecodeResult) => void;
  reject: (e: unknown) => void;
}

export class BatchDecoder {
  private readonly free: number[];
  private readonly waiting: Array<Omit<Live, "slot" | "sampler" | "input" | "pos" | "out">> = [];
  private readonly live: Live[] = [];
  private running = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly model: LlamaModel,
    private readonly native: Native,
    /** Sequences of the context (slots). */
    slots: number,
    /** Tokens per decode call (the context's batch size). */
    private readonly batchSize: number,
    /** Serializes decodes across contexts where the GPU backend needs it (Vulkan). */
    private readonly decodeLock?: { run<T>(fn: () => Promise<T>): Promise<T> },
  ) {
    this.free = Array.from({ length: slots }, (_, i) => i);
  }

  generate(req: DecodeRequest): Promise<DecodeResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ req, resolve, reject });
      // Let requests issued together (a debate round's Promise.all) arrive before the first batch.
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.pump());
      }
    });
  }

  /** Requests in flight or waiting. */
  get load(): number {
    return this.live.length + this.waiting.length;
  }

  idle(): Promise<void> {
    if (!this.running && this.load === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private admit(): void {
    while (this.free.length > 0 && this.waiting.length > 0) {
      const w = this.waiting.shift()!;
      if (w.req.maxTokens <= 0) {
        w.resolve({ tokens: [], reason: "length" });
        continue;
      }
      const sampler = this.native.newSampler();
      sampler.applyConfig({ temperature: w.req.temperature, minP: 0, topK: 0, topP: w.req.topP, seed: w.req.seed });
      // The lowest free slot, not the last freed one: measured, reusing slots in LIFO order made every
      // other run ~1.8× slower per token (node-llama-cpp contexts keep one KV stream per sequence; our
      // guess is that the reshuffle leaves some streams attending over more cells). Lowest-first keeps
      // repeated runs at the same cost.
      const slot = Math.min(...this.free);
      this.free.splice(this.free.indexOf(slot), 1);
      this.live.push({ ...w, slot, sampler, input: w.req.prompt.slice(), pos: 0, out: [] });
    }
  }

  private finish(l: Live, reason: DecodeResult["reason"] | Error, eog?: Token): void {
    this.live.splice(this.live.indexOf(l), 1);
    l.sampler.dispose();
    try {
      this.native.ctx.disposeSequence(l.slot); // free its KV cells for the next request on this slot
    } catch {
      /* context already disposed */
    }
    this.free.push(l.slot);
    if (reason instanceof Error) l.reject(reason);
    else l.resolve({ tokens: l.out, reason, ...(eog !== undefined ? { eog } : {}) });
  }

  private async pump(): Promise<void> {
    try {
      for (this.admit(); this.live.length > 0; this.admit()) await this.step();
    } finally {
      this.running = false;
      if (this.waiting.length > 0) {
        this.running = true;
        setImmediate(() => void this.pump());
      } else for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** One decode call: every live request's next token, then prompt chunks in the room left; then sampling. */
  private async step(): Promise<void> {
    const { ctx } = this.native;
    // Decoding requests first (one token each), then prefills in arrival order.
    const order = [...this.live].sort((a, b) => Number(a.out.length === 0) - Number(b.out.length === 0));
    const parts: Array<{ l: Live; n: number; logit: boolean }> = [];
    let room = this.batchSize;
    for (const l of order) {
      if (room === 0) break;
      const n = Math.min(l.input.length, room);
      parts.push({ l, n, logit: n === l.input.length });
      room -= n;
    }
    const total = this.batchSize - room;
    const sampled: Array<{ l: Live; at: number }> = [];
    try {
      ctx.initBatch(total);
      for (const { l, n, logit } of parts) {
        const idx = ctx.addToBatch(
          l.slot,
          l.pos,
          Uint32Array.from(l.input.slice(0, n)),
          logit ? Uint32Array.of(n - 1) : new Uint32Array(0),
        );
        l.pos += n;
        l.input = l.input.slice(n);
        if (logit) sampled.push({ l, at: idx[0]! });
      }
      const decode = () => ctx.decodeBatch();
      await (this.decodeLock ? this.decodeLock.run(decode) : decode());
      const tokens = await Promise.all(sampled.map(({ l, at }) => ctx.sampleToken(at, l.sampler)));
      sampled.forEach(({ l }, i) => this.accept(l, tokens[i]!));
    } catch (err) {
      // A failed decode leaves the batch's KV state unknown: fail every request in it.
      for (const { l } of parts) if (this.live.includes(l)) this.finish(l, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private accept(l: Live, token: Token | -1): void {
    if (token === -1) return this.finish(l, new Error("llama.cpp failed to sample a token"));
    if (this.model.isEogToken(token)) return this.finish(l, "eog", token);
    l.out.push(token);
    if (l.req.stopped?.(l.out)) return this.finish(l, "stop");
    if (l.out.length >= l.req.maxTokens) return this.finish(l, "length");
    l.input = [token];
  }
}
