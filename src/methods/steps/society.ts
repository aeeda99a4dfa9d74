import type { AgentModel } from "../../backends/types.js";
import type { Agent, AgentRole, ModelVersion } from "../../store/index.js";
import type { MethodContext } from "../types.js";

/** The agents of one method in a run: N generators + N critics (the society), or one "single" model. */
export interface AgentSet {
  method: string;
  generators: Agent[];
  critics: Agent[];
}

/** Gets or creates one agent and registers the base model as its iteration-0 version. */
async function agentOf(ctx: MethodContext, method: string, role: AgentRole, i: number): Promise<Agent> {
  const a = await ctx.store.agents.getOrCreate({ runId: ctx.runId, method, role, agentIndex: i });
  await ctx.store.modelVersions.insert({ agentId: a.id, iteration: 0, kind: "base", path: ctx.base.base, meta: { base: ctx.base.base } });
  return a;
}

/** One agent per role (index 0), as a protocol with distinct roles seats them (MALT: generator, verifier, refiner). */
export async function ensureRoleAgents(ctx: MethodContext, method: string, roles: readonly string[]): Promise<Agent[]> {
  const out: Agent[] = [];
  for (const r of roles) out.push(await agentOf(ctx, method, r, 0));
  return out;
}

/** Gets or creates the agents and registers the base model as each one's iteration-0 version. */
export async function ensureAgents(ctx: MethodContext, method: string, shape: "society" | "single"): Promise<AgentSet> {
  const n = ctx.config.agents;
  const make = (role: AgentRole, i: number) => agentOf(ctx, method, role, i);
  if (shape === "single") {
    const single = await make("single", 0);
    return { method, generators: [single], critics: [single] };
  }
  const generators = [],
    critics = [];
  for (let i = 0; i < n; i++) generators.push(await make("generator", i));
  for (let i = 0; i < n; i++) critics.push(await make("critic", i));
  return { method, generators, critics };
}

/** The model an agent runs after iteration `iteration` (its newest version at or before it). */
export async function versionAt(ctx: MethodContext, agent: Agent, iteration: number): Promise<ModelVersion> {
  const v = await ctx.store.modelVersions.latest(agent.id, iteration);
  if (!v)
    throw new Error(`agent ${agent.role} ${agent.agentIndex} of ${agent.method} has no model version at or before iteration ${iteration}`);
  return v;
}

/** A stored version as the backend addresses it: a LoRA over the base, a full GGUF, or a remote id. */
export function toAgentModel(ctx: MethodContext, v: ModelVersion): AgentModel {
  if (v.kind === "lora") return { base: ctx.base.base, adapter: v.path! };
  if (v.kind === "remote") return { base: v.remoteId! };
  return { base: v.path ?? ctx.base.base };
}

export async function modelsAt(ctx: MethodContext, agents: readonly Agent[], iteration: number): Promise<AgentModel[]> {
  const out: AgentModel[] = [];
  for (const a of agents) out.push(toAgentModel(ctx, await versionAt(ctx, a, iteration)));
  return out;
}

/** Who sits at a debate at iteration `l`: each agent's model of that iteration (one agent of a role fills its N seats). */
export async function seatsAt(
  ctx: MethodContext,
  agents: { generators: readonly Agent[]; critics: readonly Agent[] },
  l: number,
): Promise<{ generators: AgentModel[]; critics: AgentModel[]; rounds: number; summarize: boolean }> {
  const fill = async (role: readonly Agent[]) => {
    const models = await modelsAt(ctx, role, l);
    return models.length === 1 ? copies(models[0]!, ctx.config.agents) : models;
  };
  return {
    generators: await fill(agents.generators),
    critics: await fill(agents.critics),
    rounds: ctx.config.rounds,
    summarize: ctx.config.debate.summarize,
  };
}

/** `n` copies of one model: how single-model methods fill a debate's seats. */
export function copies(m: AgentModel, n: number): AgentModel[] {
  return Array.from({ length: n }, () => m);
}
