/** Model versions: what an agent runs at iteration l (the base GGUF, a LoRA over it, a full model, or a remote id). */
import { and, desc, eq, lte } from "drizzle-orm";
import type { Ctx } from "./ctx.js";
import type { ModelKind, ModelVersion } from "./rows.js";
import { insertOnce } from "./util.js";

export interface NewModelVersion {
  agentId: string;
  iteration: number;
  kind: ModelKind;
  /** Local file (GGUF or LoRA adapter); null for remote models. */
  path?: string | null;
  /** Provider model id (e.g. an OpenAI fine-tuned model name). */
  remoteId?: string | null;
  sha256?: string | null;
  /** The version this one was trained from (a LoRA's base, the previous iteration). */
  parentId?: string | null;
  meta?: unknown;
}

export function modelVersionsRepo(ctx: Ctx) {
  const { t } = ctx;
  const mv = t.modelVersions;
  return {
    /** One version per (agent, iteration): the first write wins and later ones return it unchanged. */
    insert: (v: NewModelVersion): Promise<ModelVersion> => insertOnce(ctx, mv, v, ["agentId", "iteration"], "model version"),
    get: async (id: string): Promise<ModelVersion | undefined> => {
      const [row] = await ctx.db().select().from(mv).where(eq(mv.id, id));
      return row;
    },
    /** The agent's newest version, or the newest at or before iteration `atOrBefore`. */
    latest: async (agentId: string, atOrBefore?: number): Promise<ModelVersion | undefined> => {
      const [row] = await ctx
        .db()
        .select()
        .from(mv)
        .where(and(eq(mv.agentId, agentId), atOrBefore !== undefined ? lte(mv.iteration, atOrBefore) : undefined))
        .orderBy(desc(mv.iteration))
        .limit(1);
      return row;
    },
    /** Oldest first. */
    list: (agentId: string): Promise<ModelVersion[]> => ctx.db().select().from(mv).where(eq(mv.agentId, agentId)).orderBy(mv.iteration),
  };
}

export type ModelVersionsRepo = ReturnType<typeof modelVersionsRepo>;
