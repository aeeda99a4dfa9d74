/**
 * The models a run config names, as local files where they are local: "tiny" builds (or reuses) the embedded
 * model, a path must be a GGUF; `agent_models` entries get a route to their own backend when they need one.
 * Used by `society run`, `society eval` and `society serve`.
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import type { AgentModel, BackendSpec } from "../backends/index.js";
import { agentBackendSpec, backendSpec } from "../backends/spec.js";
import type { RunConfig } from "../config/schema.js";
import { UserError } from "../errors.js";
import { readGgufHeader } from "../formats/gguf-header.js";

/** A local GGUF a config names: "tiny" builds (or reuses) the embedded model of that recipe; a path must be a GGUF. */
async function localGguf(base: string, recipe: "default" | "test", field: string, log: (line: string) => void): Promise<string> {
  if (base === "tiny") {
    const { ensureTinyModel } = await import("./tiny/cache.js");
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
    if (a.backend === "langchain" && !/^[^:]+:.+/.test(a.base))
      throw new UserError(`${field}: a langchain model is named "provider:model", got "${a.base}"`);
    const r = route(spec);
    models.push(r ? { base: b, backend: r } : { base: b });
  }
  return { models, routes };
}

/** MAGDi's student: a local GGUF (the ggml trainer distils into it). */
export async function resolveStudentModel(
  student: { base: string; tiny_recipe: "default" | "test" },
  log: (line: string) => void = () => {},
): Promise<AgentModel> {
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
