/** The backends a run config names: its main one, and each `agent_models` entry's own. */
import type { AgentModelConfig, RunConfig } from "../config/schema.js";
import type { BackendSpec } from "./index.js";

/** The backend a run config names; `llama` takes the eval's speed knobs when given. */
export function backendSpec(run: RunConfig, llama: { threads?: number; parallel?: number } = {}): BackendSpec {
  const m = run.model;
  if (m.backend === "openai" && m.endpoints) {
    const o = m.openai;
    return {
      kind: "pool",
      options: {
        endpoints: m.endpoints.map((e) => ({
          baseURL: e.url,
          concurrency: e.concurrency,
          adapters: e.adapters,
          apiKeyEnv: e.api_key_env ?? o.api_key_env,
          timeoutS: o.timeout_s,
          maxRetries: o.max_retries,
        })),
      },
    };
  }
  if (m.backend === "openai") {
    return {
      kind: "openai",
      options: {
        baseURL: m.openai.base_url,
        apiKeyEnv: m.openai.api_key_env,
        concurrency: m.openai.concurrency,
        timeoutS: m.openai.timeout_s,
        maxRetries: m.openai.max_retries,
      },
    };
  }
  return {
    kind: "llama",
    options: { gpu: m.gpu, threads: llama.threads, contextSize: m.context_size, parallel: llama.parallel, chatTemplate: m.chat_template },
  };
}

/** The backend of one `agent_models` entry (its own endpoint or provider, or the run's llama backend). */
export function agentBackendSpec(run: RunConfig, a: AgentModelConfig): BackendSpec {
  if (a.backend === "llama") return backendSpec({ ...run, model: { ...run.model, backend: "llama" } });
  if (a.backend === "openai")
    return backendSpec({ ...run, model: { ...run.model, backend: "openai", openai: a.openai ?? run.model.openai } });
  const l = a.langchain;
  return {
    kind: "langchain",
    options: { fields: l?.fields ?? {}, concurrency: l?.concurrency ?? 8, timeoutS: l?.timeout_s ?? 120, maxRetries: l?.max_retries ?? 4 },
  };
}
