import { UserError } from "../errors.js";
import type { ModelVersion, Store } from "../store/index.js";

export interface AgentVersionQuery {
  runId: string;
  /** `generator0`, `critic2`, `single0`. */
  agent: string;
  /** Default: the only method of the run with such an agent. */
  method?: string;
  /** Default: the agent's newest version. */
  iteration?: number;
}

export interface AgentVersion {
  method: string;
  label: string;
  version: ModelVersion;
  /** The base GGUF the agent started from (its iteration-0 version). */
  basePath: string;
}

/** Finds what an agent of a stored run runs at an iteration, and the base it was trained from. */
export async function findAgentVersion(store: Store, q: AgentVersionQuery): Promise<AgentVersion> {
  if (!(await store.runs.get(q.runId))) throw new UserError(`no run "${q.runId}" in ${store.location}`);
  const m = /^(generator|critic|single|summarizer)(\d+)$/.exec(q.agent);
  if (!m) throw new UserError(`--agent: "${q.agent}" is not an agent name like generator0, critic1 or single0`);
  const all = (await store.agents.list(q.runId, q.method)).filter((a) => a.role === m[1] && a.agentIndex === Number(m[2]));
  const methods = [...new Set(all.map((a) => a.method))];
  if (all.length === 0) throw new UserError(`run "${q.runId}" has no agent ${q.agent}${q.method ? ` in method ${q.method}` : ""}`);
  if (all.length > 1)
    throw new UserError(`run "${q.runId}" has agent ${q.agent} in methods ${methods.join(", ")}: choose one with --method`);
  const agent = all[0]!;
  const version = await store.modelVersions.latest(agent.id, q.iteration);
  if (!version || (q.iteration !== undefined && version.iteration !== q.iteration && version.iteration === 0)) {
    throw new UserError(
      `agent ${q.agent} of ${agent.method} has no trained version${q.iteration !== undefined ? ` at iteration ${q.iteration}` : ""}`,
    );
  }
  const base = (await store.modelVersions.list(agent.id)).find((v) => v.iteration === 0);
  if (!base?.path) throw new UserError(`agent ${q.agent} of ${agent.method} has no local base model recorded`);
  return { method: agent.method, label: `${agent.method}.${q.agent}.it${version.iteration}`, version, basePath: base.path };
}
