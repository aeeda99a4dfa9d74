/**
 * Debates: one question worked by a run's agents at one (method, iteration, phase) under one protocol —
 * a debate, a MALT tree, … (the table keeps its first protocol's name). Its turns hang off it.
 */
import { asc, eq } from "drizzle-orm";
import type { Ctx } from "./ctx.js";
import type { Debate, DebateStatus, Phase, TieBreak, VoteCounts } from "./rows.js";
import { insertOnce, one, whereEq } from "./util.js";

export interface DebateKey {
  runId: string;
  method: string;
  iteration: number;
  phase: Phase;
  questionId: string;
}

export interface NewDebate extends DebateKey {
  /** The protocol running it; default "debate". Not part of the key. */
  protocol?: string;
}

export interface DebateResult {
  finalAnswer: string | null;
  votes: VoteCounts;
  tieBreak?: TieBreak | null;
  /** Defaults to "done". */
  status?: Exclude<DebateStatus, "running">;
}

export interface DebateFilter {
  runId: string;
  method?: string;
  iteration?: number;
  phase?: Phase;
  status?: DebateStatus;
}

export function debatesRepo(ctx: Ctx) {
  const { t } = ctx;
  const d = t.debates;
  return {
    /** Idempotent on the key: a resumed run gets the stored debate (check its status and turns). */
    getOrCreate: (n: NewDebate): Promise<Debate> =>
      insertOnce(ctx, d, { ...n, protocol: n.protocol ?? "debate" }, ["runId", "method", "iteration", "phase", "questionId"], "debate"),
    get: async (id: string): Promise<Debate | undefined> => {
      const [row] = await ctx.db().select().from(d).where(eq(d.id, id));
      return row;
    },
    /** Ordered by creation. */
    list: (f: DebateFilter): Promise<Debate[]> =>
      ctx
        .db()
        .select()
        .from(d)
        .where(whereEq(d, ["runId", "method", "iteration", "phase", "status"], f))
        .orderBy(asc(d.createdAt), asc(d.id)),
    /** Records the vote and closes the debate. Throws when it does not exist. */
    finish: (id: string, r: DebateResult): Promise<Debate> =>
      ctx.tx(async () =>
        one(
          await ctx
            .db()
            .update(d)
            .set({
              finalAnswer: r.finalAnswer,
              votes: r.votes,
              tieBreak: r.tieBreak ?? null,
              status: r.status ?? "done",
              finishedAt: new Date(),
            })
            .where(eq(d.id, id))
            .returning(),
          `debate "${id}"`,
        ),
      ),
  };
}

export type DebatesRepo = ReturnType<typeof debatesRepo>;
