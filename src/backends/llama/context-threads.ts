import type { Llama, LlamaModel } from "node-llama-cpp";

/** Below this GGUF size, CPU contexts default to one thread each. */
export const SMALL_MODEL_BYTES = 64 * 1024 * 1024;

/**
 * Per-context thread override: with no explicit thread count, a small model on CPU gets one thread.
 * Several contexts (one per adapter) decode at once; for small models thread synchronisation costs more
 * than it saves, and oversubscribed spinning threads collapse throughput (measured 100× on 2 cores).
 */
export function contextThreads(llama: Llama, model: LlamaModel, explicit: number | undefined): { threads?: number } {
  return explicit === undefined && !llama.gpu && model.size < SMALL_MODEL_BYTES ? { threads: 1 } : {};
}
