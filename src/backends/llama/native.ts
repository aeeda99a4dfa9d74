/**
 * The slice of node-llama-cpp 3.22.1's native binding the batch decoder drives: the context's own batch
 * calls (what LlamaContext's dispatcher calls) and its native sampler. Private API, so it is reached
 * in this one file and checked at run time; when a node-llama-cpp release renames it, `nativeOf` returns
 * undefined and the backend falls back to node-llama-cpp's public sequence API (slower, same results).
 */
import type { LlamaContext, LlamaModel, Token } from "node-llama-cpp";

export interface NativeContext {
  initBatch(size: number): void;
  addToBatch(sequenceId: number, firstTokenSequenceIndex: number, tokens: Uint32Array, logitIndexes: Uint32Array): Uint32Array;
  decodeBatch(): Promise<void>;
  sampleToken(batchLogitIndex: number, sampler: NativeSampler): Promise<Token | -1>;
  /** Frees every KV cell of the sequence. */
  disposeSequence(sequenceId: number): void;
}

export interface NativeSampler {
  applyConfig(config: { temperature: number; minP: number; topK: number; topP: number; seed: number }): void;
  dispose(): void;
}

export interface Native {
  ctx: NativeContext;
  newSampler(): NativeSampler;
}

export function nativeOf(model: LlamaModel, context: LlamaContext): Native | undefined {
  const ctx = (context as unknown as { _ctx?: Partial<NativeContext> })._ctx;
  const m = model as unknown as { _model?: unknown; _llama?: { _bindings?: { AddonSampler?: new (m: unknown) => NativeSampler } } };
  const Sampler = m._llama?._bindings?.AddonSampler;
  const ok =
    ctx &&
    ["initBatch", "addToBatch", "decodeBatch", "sampleToken", "disposeSequence"].every(
      (k) => typeof (ctx as Record<string, unknown>)[k] === "function",
    );
  if (!ok || !Sampler || m._model === undefined) return undefined;
  return { ctx: ctx as NativeContext, newSampler: () => new Sampler(m._model) };
}
