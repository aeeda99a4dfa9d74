/**
 * The parallel slots of one llama.cpp context: each context sequence is one "slot" with its own KV
 * cache. Requests on the same (base, adapter) take a free slot, so concurrent requests decode in the
 * same llama.cpp batch; when all slots are busy they wait in arrival order.
 */
import type { LlamaContext, LlamaContextSequence } from "node-llama-cpp";

export class SequencePool {
  private readonly free: LlamaContextSequence[] = [];
  private readonly waiters: Array<(s: LlamaContextSequence) => void> = [];
  private busy = 0;
  private idleWaiters: Array<() => void> = [];

  private readonly order = new Map<LlamaContextSequence, number>();

  constructor(readonly context: LlamaContext) {
    while (context.sequencesLeft > 0) {
      const s = context.getSequence();
      this.order.set(s, this.order.size);
      this.free.push(s);
    }
  }

  get size(): number {
    return this.free.length + this.busy;
  }

  acquire(): Promise<LlamaContextSequence> {
    // Lowest-created free sequence first (see the slot note in batch-decoder.ts).
    const s = this.free.shift();
    if (s) {
      this.busy++;
      return Promise.resolve(s);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(s: LlamaContextSequence): void {
    const next = this.waiters.shift();
    if (next) return next(s);
    this.busy--;
    this.free.push(s);
    this.free.sort((a, b) => this.order.get(a)! - this.order.get(b)!);
    if (this.busy === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  async use<T>(fn: (s: LlamaContextSequence) => Promise<T>): Promise<T> {
    const s = await this.acquire();
    try {
      return await fn(s);
    } finally {
      this.release(s);
    }
  }

  /** Resolves once no request holds or waits for a slot. */
  idle(): Promise<void> {
    if (this.busy === 0 && this.waiters.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async dispose(): Promise<void> {
    await this.idle();
    await this.context.dispose();
  }
}
