/** Backends: pick one by kind. Each is loaded on demand (node-llama-cpp is heavy; langchain too). */
export type { AgentModel, Backend, ChatMessage, GenerateOptions, Generation, Score } from "./types.js";
export { modelKey } from "./types.js";
import type { LangchainBackendOptions } from "./langchain/backend.js";
import type { LlamaBackendOptions } from "./llama/backend.js";
import type { OpenAIBackendOptions } from "./openai/backend.js";
import type { EndpointPoolOptions } from "./openai/pool.js";
import { RouterBackend } from "./router.js";
import type { Backend } from "./types.js";

export type { EndpointPoolOptions, LangchainBackendOptions, LlamaBackendOptions, OpenAIBackendOptions };
export { RouterBackend };

export type BackendSpec =
  | { kind: "llama"; options?: LlamaBackendOptions }
  | { kind: "openai"; options?: OpenAIBackendOptions }
  | { kind: "pool"; options: EndpointPoolOptions }
  | { kind: "langchain"; options?: LangchainBackendOptions };

export async function createBackend(spec: BackendSpec): Promise<Backend> {
  if (spec.kind === "llama") {
    const { LlamaBackend } = await import("./llama/backend.js");
    return LlamaBackend.create(spec.options);
  }
  if (spec.kind === "pool") {
    const { EndpointPool } = await import("./openai/pool.js");
    return new EndpointPool(spec.options);
  }
  if (spec.kind === "langchain") {
    const { LangchainBackend } = await import("./langchain/backend.js");
    return new LangchainBackend(spec.options);
  }
  const { OpenAIBackend } = await import("./openai/backend.js");
  return new OpenAIBackend(spec.options);
}

/**
 * The run's default backend plus one per extra route (heterogeneous agents), behind one RouterBackend; with no
 * routes, just the default. A route whose spec equals the default's is served by the default itself.
 */
export async function createRoutedBackend(main: BackendSpec, routes: ReadonlyMap<string, BackendSpec>): Promise<Backend> {
  const fallback = await createBackend(main);
  if (routes.size === 0) return fallback;
  const open = new Map<string, Backend>([[JSON.stringify(main), fallback]]);
  const byRoute = new Map<string, Backend>();
  try {
    for (const [route, spec] of routes) {
      const k = JSON.stringify(spec);
      let b = open.get(k);
      if (!b) open.set(k, (b = await createBackend(spec)));
      byRoute.set(route, b);
    }
  } catch (e) {
    await Promise.allSettled([...open.values()].map((b) => b.close()));
    throw e;
  }
  return new RouterBackend(fallback, byRoute);
}
