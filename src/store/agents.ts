/** Agents: the seats (role, index) a method's protocol fills with copies of the base model, within one run. */
import { eq, sql } from "drizzle-orm";
import type { Ctx, Tables } from "./ctx.js";
import type { Agent, AgentRole } from "./rows.js";
import { insertOnce, whereEq } from "./util.js";

export interface AgentKey {
  runId: string;
  method: string;
  role: AgentRole;
  /** 0-based position among the agents of this role. */
  agentIndex: number;
}

/** Orders agents generators first, then critics, single, every other role (by name); by index within a role. */
export function agentOrder(t: Tables) {
  return [
    sql`case ${t.agents.role} when 'generator' then 0 when 'critic' then 1 when 'single' then 2 else 3 end`,
    t.agents.role,
    t.agents.agentIndex,
  ] as const;
}

export function agentsRepo(ctx: Ctx) {
  const { t } = ctx;
  return {
    /** Idempotent on (run, method, role, index). */
    getOrCreate: (k: AgentKey): Promise<Agent> => insertOnce(ctx, t.agents, k, ["runId", "method", "role", "agentIndex"], "agent"),
    get: async (id: string): Promise<Agent | undefined> => {
      const [row] = await ctx.db().select().from(t.agents).where(eq(t.agents.id, id));
      return row;
    },
    /** Generators first, then critics, single, every other role by name; by index within a role. */
    list: (runId: string, method?: string): Promise<Agent[]> =>
      ctx
        .db()
        .select()
        .from(t.agents)
        .where(whereEq(t.agents, ["runId", "method"], { runId, method }))
        .orderBy(t.agents.method, ...agentOrder(t)),
  };
}

export type AgentsRepo = ReturnType<typeof agentsRepo>;
