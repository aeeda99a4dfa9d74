/**
 * Turns a run config + eval section into what an evaluation runs: its run id, the backend to open, the
 * base model, the agents and the debate options of the chosen method.
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import type { AgentModel, BackendSpec } from "../backends/index.js";
import type { AgentModelConfig, RunConfig } from "../config/schema.js";
import { debateRoster, type AgentSpec, type DebateOptions } from "../protocols/debate/index.js";
import { UserError } from "../errors.js";
import { readGgufHeader } from "../formats/gguf-header.js";
import { runKey } from "../util/run-key.js";
import { SPEED_ONLY, type EvalConfig } from "./config.js";

export interface ResolvedEval {
  run: RunConfig;
  eval: EvalConfig;
}

/** The same command (same results-relevant settings) → the same run id → a rerun resumes it. */
export function evalRunId(r: ResolvedEval): string {
  const evalPart = Object.fromEntries(Object.entries(r.eval).filter(([k]) => !(SPEED_ONLY.eval as readonly string[]).includes(k)));
  const debatePart = Object.fromEntries(Object.entries(r.run.debate).filter(([k]) => !(SPEED_ONLY.debate as readonly string[]).includes(k)));
  return runKey({ name: r.run.name, method: r.eval.method, seed: r.run.seed, computes: { ...r.run, debate: debatePart, eval: evalPart } });
}

/** The backend a run config names; `llama` takes the eval's speed knobs when given. */
export function backendSpec(run: RunConfig, llama: { threads?: number; parallel?: number } = {}): BackendSpec {
  const m = run.model;
  if (m.backend === "openai" && m.endpoints) {
    const o = m.openai;
    return {
      kind: "pool",
      options: {
        endpoints: m.endpoints.map((e) => ({
          baseURL: e.url, concurrency: e.concurrency, adapters: e.adapters, apiKeyEnv: e.api_key_env ?? o.api_key_env, timeoutS: o.timeout_s, maxRetries: o.max_retries,
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
  return { kind: "llama", options: { gpu: m.gpu, threads: llama.threads, contextSize: m.context_size, parallel: llama.parallel, chatTemplate: m.chat_template } };
}

/** A local GGUF a config names: "tiny" builds (or reuses) the embedded model of that recipe; a path must be a GGUF. */
async function localGguf(base: string, recipe: "default" | "test", field: string, log: (line: string) => void): Promise<string> {
  if (base === "tiny") {
    const { ensureTinyModel } = await import("../models/tiny/cache.js");
    return (await ensureTinyModel(recipe, { progress: (l) => log(`  ${l}`) })).path;
  }
  const path = resolve(base);
  readGgufHeader(path, field);
  return path;
}

export interface AgentModels {
  /** Agent n's model in the untrained society; `backend` names its route when the run's default backend does not serve it. */
  models: AgentModel[];
  /** The extra backends those routes need (RouterBackend). */
  routes: Map<string, BackendSpec>;
}

/**
 * `agent_models`: each agent's own model and backend. Local GGUFs share the run's llama backend when it has
 * one (it loads any number of models); an endpoint or a langchain provider gets a route of its own, one per
 * distinct setting. Without the section every agent runs the base model.
 */
export async function resolveAgentModels(run: RunConfig, base: AgentModel, log: (line: string) => void = () => {}): Promise<AgentModels> {
  const routes = new Map<string, BackendSpec>();
  if (!run.agent_models) return { models: Array.from({ length: run.agents }, () => base), routes };
  const main = JSON.stringify(backendSpec(run));
  const route = (spec: BackendSpec): string | undefined => {
    const k = JSON.stringify(spec);
    if (k === main) return undefined;
    const name = `${spec.kind}#${createHash("sha256").update(k).digest("hex").slice(0, 8)}`;
    routes.set(name, spec);
    return name;
  };
  const models: AgentModel[] = [];
  for (const [i, a] of run.agent_models.entries()) {
    const field = `agent_models.${i}.base`;
    const spec = agentBackendSpec(run, a);
    const b = a.backend === "llama" ? await localGguf(a.base, a.tiny_recipe, field, log) : a.base;
    if (a.backend === "langchain" && !/^[^:]+:.+/.test(a.base)) throw new UserError(`${field}: a langchain model is named "provider:model", got "${a.base}"`);
    const r = route(spec);
    models.push(r ? { base: b, backend: r } : { base: b });
  }
  return { models, routes };
}

function agentBackendSpec(run: RunConfig, a: AgentModelConfig): BackendSpec {
  if (a.backend === "llama") return backendSpec({ ...run, model: { ...run.model, backend: "llama" } });
  if (a.backend === "openai") return backendSpec({ ...run, model: { ...run.model, backend: "openai", openai: a.openai ?? run.model.openai } });
  const l = a.langchain;
  return { kind: "langchain", options: { fields: l?.fields ?? {}, concurrency: l?.concurrency ?? 8, timeoutS: l?.timeout_s ?? 120, maxRetries: l?.max_retries ?? 4 } };
}

/** MAGDi's student: a local GGUF (the ggml trainer distils into it). */
export async function resolveStudentModel(student: { base: string; tiny_recipe: "default" | "test" }, log: (line: string) => void = () => {}): Promise<AgentModel> {
  return { base: await localGguf(student.base, student.tiny_recipe, "magdi.student.base", log) };
}

/** The base model: "tiny" builds (or reuses) the embedded model; a llama backend needs an existing GGUF. */
export async function resolveBaseModel(run: RunConfig, log: (line: string) => void = () => {}): Promise<AgentModel> {
  const m = run.model;
  // Endpoints that serve our adapters serve our local base: it is resolved (and the tiny model built) here too.
  const local = m.endpoints?.some((e) => e.adapters !== "none");
  if (m.backend === "openai" && !local) return { base: m.base };
  return { base: await localGguf(m.base, m.tiny_recipe, "model.base", log) };
}

export interface MethodPlan {
  agents: AgentSpec[];
  options: DebateOptions;
}

/** single: one agent, one round; majority: k samples, one round, vote; debate: N agents × M rounds. */
export function methodPlan(r: ResolvedEval, base: AgentModel, promptsDir?: string): MethodPlan {
  const d = r.run.debate;
  const sampling = { temperature: d.temperature, topP: d.top_p, maxTokens: d.max_tokens };
  const common = { sampling, runSeed: r.run.seed, promptsDir };
  switch (r.eval.method) {
    case "single":
      return { agents: [{ role: "single", index: 0, model: base }], options: { ...common, rounds: 1, summarize: false } };
    case "majority": {
      const k = r.eval.k ?? r.run.agents;
      return {
        agents: Array.from({ length: k }, (_, index) => ({ role: "generator" as const, index, model: base })),
        options: { ...common, rounds: 1, summarize: false },
      };
    }
    case "debate": {
      if (r.run.rounds > 1 && r.run.agents < 2) throw new UserError(`debate: rounds: ${r.run.rounds} needs agents ≥ 2 (agents read each other's answers)`);
      const summarize = d.summarize && r.run.rounds > 1;
      const agents = debateRoster({ agents: r.run.agents, base }).filter((a) =>
        a.role === "generator" || (r.run.rounds > 1 && a.role === "critic") || (summarize && a.role === "summarizer"));
      return { agents, options: { ...common, rounds: r.run.rounds, summarize } };
    }
  }
}
