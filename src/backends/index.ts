/** Backends: pick one by kind. Each is loaded on demand (node-llama-cpp is heavy; langchain too). */
export type { AgentModel, Backend, ChatMessage, GenerateOptions, Generation, Score } from "./types.js";
export { modelKey } from "./types.js";
import type { LlamaBackendOptions } from "./llama/backend.js";
import type { OpenAIBackendOptions } from "./openai/backend.js";
import type { EndpointPoolOptions } from "./openai/pool.js";
import type { Backend } from "./types.js";

export type { EndpointPoolOptions, LlamaBackendOptions, OpenAIBackendOptions };

export type BackendSpec =
  | { kind: "llama"; options?: LlamaBackendOptions }
  | { kind: "openai"; options?: OpenAIBackendOptions }
  | { kind: "pool"; options: EndpointPoolOptions };

export async function createBackend(spec: BackendSpec): Promise<Backend> {
  if (spec.kind === "llama") {
    const { LlamaBackend } = await import("./llama/backend.js");
    return LlamaBackend.create(spec.options);
  }
  if (spec.kind === "pool") {
    const { EndpointPool } = await import("./openai/pool.js");
    return new EndpointPool(spec.options);
  }
  const { OpenAIBackend } = await import("./openai/backend.js");
  return new OpenAIBackend(spec.options);
}
