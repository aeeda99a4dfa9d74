import { basename } from "node:path";
import { getLlama, LlamaLogLevel, type Llama, type LlamaEmbeddingContext, type LlamaModel } from "node-llama-cpp";
import { UserError } from "../../errors.js";
import { readGgufHeader } from "../../formats/gguf-header.js";
import type { Embedder } from "../../metrics/embedder.js";
import { contextThreads } from "./context-threads.js";

export interface LlamaEmbedderOptions {
  /** Reuse an already loaded llama (the run's backend); otherwise one is created. */
  llama?: Llama;
  threads?: number;
  gpu?: "auto" | false | "cuda" | "vulkan" | "metal";
  /** Tokens per text; longer responses are cut (embedding models have short windows). Default 512. */
  contextSize?: number;
}

/**
 * A GGUF embedding model through node-llama-cpp. A dedicated embedding model (pooling in its GGUF
 * metadata) gives its pooled vector; a generative model gives its last token's final hidden state.
 * Texts are embedded one at a time: identical texts give identical vectors (no batch effects).
 */
export async function createLlamaEmbedder(modelPath: string, o: LlamaEmbedderOptions = {}): Promise<Embedder> {
  readGgufHeader(modelPath, "metrics.embedding_model");
  const llama =
    o.llama ?? (await getLlama({ gpu: o.gpu ?? "auto", logLevel: LlamaLogLevel.error, ...(o.threads ? { maxThreads: o.threads } : {}) }));
  const model: LlamaModel = await llama.loadModel({ modelPath });
  const contextSize = Math.min(o.contextSize ?? 512, model.trainContextSize);
  let context: LlamaEmbeddingContext;
  try {
    context = await model.createEmbeddingContext({
      contextSize,
      ...(o.threads ? { threads: o.threads } : contextThreads(llama, model, undefined)),
    });
  } catch (e) {
    await model.dispose();
    throw new UserError(`metrics.embedding_model: ${basename(modelPath)} cannot make embeddings: ${(e as Error).message}`);
  }
  // node-llama-cpp may add BOS/EOS around the input and refuses inputs that fill the whole window.
  const probe = model.tokenize("a");
  const room = contextSize - 1 - (context.calculateInputLength(probe) - probe.length);
  // One text at a time: the context holds one sequence.
  let tail: Promise<unknown> = Promise.resolve();
  return {
    name: basename(modelPath),
    embed(text: string): Promise<number[]> {
      const run = tail.then(async () => {
        let tokens = model.tokenize(text);
        if (tokens.length > room) tokens = tokens.slice(0, room);
        if (tokens.length === 0) tokens = model.tokenize(" ");
        return [...(await context.getEmbeddingFor(tokens)).vector];
      });
      tail = run.catch(() => undefined);
      return run;
    },
    async close() {
      await context.dispose();
      await model.dispose();
      if (!o.llama) await llama.dispose();
    },
  };
}
