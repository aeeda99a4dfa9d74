import { resolve } from "node:path";
import type { AgentModel, Backend } from "../backends/index.js";
import type { RunConfig } from "../config/schema.js";
import { UserError } from "../errors.js";
import type { Embedder } from "../metrics/embedder.js";

/**
 * The embedding model `metrics.embedding_model` names, or undefined when none is configured. "base" is the
 * run's local base GGUF, frozen: every iteration's responses are embedded by the same model, so the
 * metric moves only when the responses do. A llama backend lends its loaded llama (one native runtime).
 */
export async function openEmbedder(config: RunConfig, base: AgentModel, backend: Backend): Promise<Embedder | undefined> {
  const name = config.metrics.embedding_model;
  if (name === undefined) return undefined;
  if (name === "base" && config.model.backend !== "llama") {
    throw new UserError(
      `metrics.embedding_model: "base" needs model.backend: llama (the base is the remote id ${base.base}); give a GGUF path`,
    );
  }
  const path = name === "base" ? base.base : resolve(name);
  const { createLlamaEmbedder } = await import("../backends/llama/embedder.js");
  const { LlamaBackend } = await import("../backends/llama/backend.js");
  return createLlamaEmbedder(path, { llama: backend instanceof LlamaBackend ? backend.llama : undefined, gpu: config.model.gpu });
}
