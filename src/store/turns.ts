/** Turns: one agent's answer in one debate round, with the exact prompt, parse result and cost. */
import { and, asc, eq } from "drizzle-orm";
import { agentOrder } from "./agents.js";
import type { Ctx } from "./ctx.js";
import type { ChatMessage, ParseStatus, Phase, Turn } from "./rows.js";
import { one } from "./util.js";

export interface NewTurn {
  debateId: string;
  agentId: string;
  round: number;
  modelVersionId?: string | null;
  prompt: ChatMessage[];
  completion: string;
  parsedAnswer: string | null;
  parseStatus: ParseStatus;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  seed: number;
  meta?: unknown;
}

export function turnsRepo(ctx: Ctx) {
  const { t } = ctx;
  const tu = t.turns;
  return {
    /** One transaction; idempotent on (debate, agent, round): a second insert returns the stored turn unchanged. */
    insert: (turn: NewTurn): Promise<Turn> =>
      ctx.tx(async () => {
        const [row] = await ctx.db().insert(tu).values({ ...turn, latencyMs: Math.round(turn.latencyMs) })
          .onConflictDoNothing({ target: [tu.debateId, tu.agentId, tu.round] }).returning();
        return row ?? one(await ctx.db().select().from(tu).where(and(
          eq(tu.debateId, turn.debateId), eq(tu.agentId, turn.agentId), eq(tu.round, turn.round),
        )), "turn");
      }),
    get: async (id: string): Promise<Turn | undefined> => {
      const [row] = await ctx.db().select().from(tu).where(eq(tu.id, id));
      return row;
    },
    /** A debate's stored turns by round, then generators before critics, then agent index. */
    list: async (debateId: string): Promise<Turn[]> => {
      const rows = await ctx.db().select({ turn: tu }).from(tu).innerJoin(t.agents, eq(t.agents.id, tu.agentId))
        .where(eq(tu.debateId, debateId)).orderBy(asc(tu.round), ...agentOrder(t));
      return rows.map((r) => r.turn);
    },
    /** All turns of one (run, method, iteration, phase), grouped by debate (creation order), then as `list`. */
    listFor: async (f: { runId: string; method: string; iteration: number; phase: Phase }): Promise<Turn[]> => {
      const d = t.debates;
      const rows = await ctx.db().select({ turn: tu }).from(tu)
        .innerJoin(d, eq(d.id, tu.debateId)).innerJoin(t.agents, eq(t.agents.id, tu.agentId))
        .where(and(eq(d.runId, f.runId), eq(d.method, f.method), eq(d.iteration, f.iteration), eq(d.phase, f.phase)))
        .orderBy(asc(d.createdAt), asc(d.id), asc(tu.round), ...agentOrder(t));
      return rows.map((r) => r.turn);
    },
  };
}

export type TurnsRepo = ReturnType<typeof turnsRepo>;
