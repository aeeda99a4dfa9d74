/**
 * The reference for batched generation: node-llama-cpp's lowest-level API, the native context's own
 * batch calls (`initBatch` / `addToBatch` / `decodeBatch` / `sampleToken`, what LlamaContext's batch
 * dispatcher itself calls), with one native sampler per sequence configured exactly as our backend
 * configures its samplers. No queues, no promises per token beyond the native calls: the ceiling our
 * engine is measured against.
 */
import type { LlamaContext, LlamaModel, Token } from "node-llama-cpp";

interface Addon {
  initBatch(size: number): void;
  addToBatch(sequenceId: number, firstTokenSequenceIndex: number, tokens: Uint32Array, logitIndexes: Uint32Array): Uint32Array;
  decodeBatch(): Promise<void>;
  sampleToken(batchLogitIndex: number, sampler: unknown): Promise<Token | -1>;
  disposeSequence(sequenceId: number): void;
}

export interface LowLevelRequest {
  prompt: Token[];
  seed: number;
}

/** Generates up to maxTokens per request, all requests decoding in the same batch; returns tokens per request. */
export async function lowLevelBatched(
  model: LlamaModel,
  context: LlamaContext,
  reqs: readonly LowLevelRequest[],
  o: { temperature: number; topP: number; maxTokens: number },
): Promise<Token[][]> {
  const addon = (context as unknown as { _ctx: Addon })._ctx;
  const bindings = (
    model as unknown as { _llama: { _bindings: { AddonSampler: new (m: unknown) => { applyConfig(c: object): void; dispose(): void } } } }
  )._llama._bindings;
  const samplers = reqs.map((r) => {
    const s = new bindings.AddonSampler((model as unknown as { _model: unknown })._model);
    s.applyConfig({ temperature: o.temperature, minP: 0, topK: 0, topP: o.topP, seed: r.seed });
    return s;
  });
  const out: Token[][] = reqs.map(() => []);
  const pos = reqs.map((r) => r.prompt.length);
  const next: Array<Token | null> = reqs.map(() => null);
  try {
    // Prefill every prompt in one batch (it fits: the bench keeps B × prompt ≤ batch size).
    addon.initBatch(reqs.reduce((s, r) => s + r.prompt.length, 0));
    const idx = reqs.map((r, i) => addon.addToBatch(i, 0, Uint32Array.from(r.prompt), Uint32Array.of(r.prompt.length - 1))[0]!);
    await addon.decodeBatch();
    await Promise.all(reqs.map(async (_, i) => (next[i] = (await addon.sampleToken(idx[i]!, samplers[i])) as Token)));
    for (;;) {
      const active = reqs.map((_, i) => i).filter((i) => next[i] !== null && !model.isEogToken(next[i]!) && out[i]!.length < o.maxTokens);
      for (let i = 0; i < reqs.length; i++) if (!active.includes(i)) next[i] = null;
      if (active.length === 0) break;
      for (const i of active) out[i]!.push(next[i]!);
      const still = active.filter((i) => out[i]!.length < o.maxTokens);
      if (still.length === 0) break;
      addon.initBatch(still.length);
      const at = still.map((i) => addon.addToBatch(i, pos[i]!++, Uint32Array.of(next[i]!), Uint32Array.of(0))[0]!);
      await addon.decodeBatch();
      await Promise.all(still.map(async (i, j) => (next[i] = (await addon.sampleToken(at[j]!, samplers[i])) as Token)));
      for (let i = 0; i < reqs.length; i++) if (!still.includes(i)) next[i] = null;
    }
  } finally {
    for (const s of samplers) s.dispose();
    for (let i = 0; i < reqs.length; i++) addon.disposeSequence(i);
  }
  return out;
}
