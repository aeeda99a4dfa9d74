/** Questions: task problems with their gold answers, shared by all runs; keyed by (task, split, qid). */
import { and, eq, sql } from "drizzle-orm";
import type { Ctx } from "./ctx.js";
import type { Question } from "./rows.js";
import { chunks } from "./util.js";

export interface NewQuestion {
  task: string;
  split: string;
  qid: string;
  text: string;
  gold: string;
  meta?: unknown;
}

const keyOf = (q: { task: string; split: string; qid: string }) => `${q.task}\u0000${q.split}\u0000${q.qid}`;

export function questionsRepo(ctx: Ctx) {
  const { t } = ctx;
  const q = t.questions;
  return {
    /**
     * Inserts new questions and updates text/gold/meta of known ones, in one transaction; ids of known
     * questions never change. Returns the stored rows in input order (a repeated key: its last value).
     */
    upsert: (items: readonly NewQuestion[]): Promise<Question[]> =>
      ctx.tx(async () => {
        const unique = [...new Map(items.map((i) => [keyOf(i), i])).values()];
        const byKey = new Map<string, Question>();
        for (const part of chunks(unique)) {
          const rows = await ctx.db().insert(q).values(part).onConflictDoUpdate({
            target: [q.task, q.split, q.qid],
            set: { text: sql`excluded.text`, gold: sql`excluded.gold`, meta: sql`excluded.meta` },
          }).returning();
          for (const r of rows) byKey.set(keyOf(r), r);
        }
        return items.map((i) => byKey.get(keyOf(i))!);
      }),
    get: async (id: string): Promise<Question | undefined> => {
      const [row] = await ctx.db().select().from(q).where(eq(q.id, id));
      return row;
    },
    getByKey: async (task: string, split: string, qid: string): Promise<Question | undefined> => {
      const [row] = await ctx.db().select().from(q).where(and(eq(q.task, task), eq(q.split, split), eq(q.qid, qid)));
      return row;
    },
    /** Ordered by qid (as text). */
    list: (task: string, split: string): Promise<Question[]> =>
      ctx.db().select().from(q).where(and(eq(q.task, task), eq(q.split, split))).orderBy(q.qid),
  };
}

export type QuestionsRepo = ReturnType<typeof questionsRepo>;
