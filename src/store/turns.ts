/**
 * Turns: one agent's utterance in one protocol unit (a debate round, a node of a MALT tree), with the
 * exact prompt, parse result and cost. A turn is identified by (unit, agent, round, node); `node` is ""
 * where agent and round suffice (the debate).
 */
import { and, asc, eq } from "drizzle-orm";
import { agentOrder } from "./agents.js";
import type { Ctx } from "./ctx.js";
import type { ChatMessage, ParseStatus, Phase, Turn } from "./rows.js";
import { insertOnce } from "./util.js";

export interface NewTurn {
  debateId: string;
  agentId: string;
  round: number;
  /** Tree path within the unit ("0.2.1"); default "" (agent and round identify the turn). */
  node?: string;
  /** The turn this one answers (a tree node's parent). */
  parentId?: string | null;
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
    /** One transaction; idempotent on (debate, agent, round, node): a second insert returns the stored turn unchanged. */
    insert: (turn: NewTurn): Promise<Turn> =>
      insertOnce(
        ctx,
        tu,
        { ...turn, node: turn.node ?? "", latencyMs: Math.round(turn.latencyMs) },
        ["debateId", "agentId", "round", "node"],
        "turn",
      ),
    get: async (id: string): Promise<Turn | undefined> => {
      const [row] = await ctx.db().select().from(tu).where(eq(tu.id, id));
      return row;
    },
    /** A unit's stored turns by round, then generators before critics, then agent index, then node. */
    list: async (debateId: string): Promise<Turn[]> => {
      const rows = await ctx
        .db()
        .select({ turn: tu })
        .from(tu)
        .innerJoin(t.agents, eq(t.agents.id, tu.agentId))
        .where(eq(tu.debateId, debateId))
        .orderBy(asc(tu.round), ...agentOrder(t), asc(tu.node));
      return rows.map((r) => r.turn);
    },
    /** All turns of one (run, method, iteration, phase), grouped by debate (creation order), then as `list`. */
    listFor: async (f: { runId: string; method: string; iteration: number; phase: Phase }): Promise<Turn[]> => {
      const d = t.debates;
      const rows = await ctx
        .db()
        .select({ turn: tu })
        .from(tu)
        .innerJoin(d, eq(d.id, tu.debateId))
        .innerJoin(t.agents, eq(t.agents.id, tu.agentId))
        .where(and(eq(d.runId, f.runId), eq(d.method, f.method), eq(d.iteration, f.iteration), eq(d.phase, f.phase)))
        .orderBy(asc(d.createdAt), asc(d.id), asc(tu.round), ...agentOrder(t), asc(tu.node));
      return rows.map((r) => r.turn);
    },
  };
}

export type TurnsRepo = ReturnType<typeof turnsRepo>;
