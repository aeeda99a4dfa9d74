/**
 * Questions: task problems with their gold answers, shared by all runs. A question's identity is
 * (task, split, qid, content_sha256): the hash of its text and gold is part of it, because one qid can
 * name different questions — the arithmetic generator's `arith-train-0` is a different expression per
 * seed — and a run must keep grading against the question it asked. A stored question is never changed.
 */
import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { UserError } from "../errors.js";
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

/** The content part of a question's identity. */
export function questionContentSha256(q: { text: string; gold: string }): string {
  return createHash("sha256")
    .update(JSON.stringify([q.text, q.gold]))
    .digest("hex");
}

const idOf = (q: { task: string; split: string; qid: string }) => `${q.task}\u0000${q.split}\u0000${q.qid}`;
const keyOf = (q: { task: string; split: string; qid: string; contentSha256: string }) => `${idOf(q)}\u0000${q.contentSha256}`;

export function questionsRepo(ctx: Ctx) {
  const { t } = ctx;
  const q = t.questions;
  return {
    /**
     * Records questions, in one transaction: an identical question already stored is reused (its id and
     * meta stay), a new one is inserted. Returns the stored rows in input order. Refuses (UserError) a batch
     * that gives one qid two different texts or golds: a task that does so cannot be graded.
     */
    record: (items: readonly NewQuestion[]): Promise<Question[]> =>
      ctx.tx(async () => {
        const hashed = items.map((i) => ({ ...i, meta: i.meta ?? null, contentSha256: questionContentSha256(i) }));
        const seen = new Map<string, (typeof hashed)[number]>();
        for (const h of hashed) {
          const prev = seen.get(idOf(h));
          if (prev && prev.contentSha256 !== h.contentSha256) {
            throw new UserError(
              `task ${h.task} (${h.split}): question ${h.qid} is given twice with different ${prev.text !== h.text ? "text" : "gold"}; question ids must be unique`,
            );
          }
          seen.set(idOf(h), h);
        }
        const byKey = new Map<string, Question>();
        for (const part of chunks([...seen.values()])) {
          const inserted = await ctx
            .db()
            .insert(q)
            .values(part)
            .onConflictDoNothing({ target: [q.task, q.split, q.qid, q.contentSha256] })
            .returning();
          for (const r of inserted) byKey.set(keyOf(r), r);
          for (const p of part.filter((p) => !byKey.has(keyOf(p)))) {
            const [row] = await ctx
              .db()
              .select()
              .from(q)
              .where(and(eq(q.task, p.task), eq(q.split, p.split), eq(q.qid, p.qid), eq(q.contentSha256, p.contentSha256)));
            byKey.set(keyOf(p), row!);
          }
        }
        return hashed.map((h) => byKey.get(keyOf(h))!);
      }),
    get: async (id: string): Promise<Question | undefined> => {
      const [row] = await ctx.db().select().from(q).where(eq(q.id, id));
      return row;
    },
    /** Every stored question with this qid (several when generators gave it different content), oldest first. */
    versions: (task: string, split: string, qid: string): Promise<Question[]> =>
      ctx
        .db()
        .select()
        .from(q)
        .where(and(eq(q.task, task), eq(q.split, split), eq(q.qid, qid)))
        .orderBy(q.createdAt, q.id),
    /** Ordered by qid (as text), then age; a qid with several versions appears once per version. */
    list: (task: string, split: string): Promise<Question[]> =>
      ctx
        .db()
        .select()
        .from(q)
        .where(and(eq(q.task, task), eq(q.split, split)))
        .orderBy(q.qid, q.createdAt, q.id),
  };
}

/**
 * Fills content_sha256 of rows stored before it existed (the migration adds it empty), so a run
 * resumed after the upgrade finds its own questions again. Cheap when there is nothing to fill.
 */
export async function backfillQuestionHashes(ctx: Ctx): Promise<number> {
  const q = ctx.t.questions;
  const rows = await ctx.db().select({ id: q.id, text: q.text, gold: q.gold }).from(q).where(eq(q.contentSha256, ""));
  if (rows.length === 0) return 0;
  await ctx.tx(async () => {
    for (const r of rows)
      await ctx
        .db()
        .update(q)
        .set({ contentSha256: questionContentSha256(r) })
        .where(eq(q.id, r.id));
  });
  return rows.length;
}

export type QuestionsRepo = ReturnType<typeof questionsRepo>;
