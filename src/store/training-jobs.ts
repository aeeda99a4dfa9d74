/** Training jobs: one attempt to train an agent at an iteration, locally (ggml) or remotely (OpenAI). */
import { and, desc, eq, inArray } from "drizzle-orm";
import type { Ctx } from "./ctx.js";
import type { LossPoint, TrainerKind, TrainingJob, TrainingStatus } from "./rows.js";
import { defined, one, whereEq } from "./util.js";

export interface NewTrainingJob {
  runId: string;
  agentId: string;
  iteration: number;
  trainer: TrainerKind;
  datasetId?: string | null;
  remoteJobId?: string | null;
  /** Hyperparameters and anything needed to reproduce or resume the job. */
  config?: unknown;
  status?: TrainingStatus;
}

export interface TrainingJobPatch {
  status?: TrainingStatus;
  remoteJobId?: string | null;
  lossCurve?: LossPoint[] | null;
  error?: string | null;
  outputModelVersionId?: string | null;
  startedAt?: Date | null;
  finishedAt?: Date | null;
}

const TERMINAL: readonly TrainingStatus[] = ["succeeded", "failed", "cancelled", "abandoned"];

export function trainingJobsRepo(ctx: Ctx) {
  const { t } = ctx;
  const j = t.trainingJobs;
  const get = async (id: string): Promise<TrainingJob | undefined> => {
    const [row] = await ctx.db().select().from(j).where(eq(j.id, id));
    return row;
  };
  return {
    create: (job: NewTrainingJob): Promise<TrainingJob> =>
      ctx.tx(async () => {
        const startedAt = job.status === "running" ? new Date() : null;
        return one(
          await ctx
            .db()
            .insert(j)
            .values({ ...job, startedAt })
            .returning(),
          "training job",
        );
      }),
    /**
     * Applies the fields given (undefined = leave alone). Stamps startedAt on the first move to "running"
     * and finishedAt on a move to a terminal status, unless the patch sets them. Throws when the job is missing.
     */
    update: (id: string, patch: TrainingJobPatch): Promise<TrainingJob> =>
      ctx.tx(async () => {
        const cur = await get(id);
        if (!cur) throw new Error(`store: no training job "${id}"`);
        const stamps: Partial<TrainingJobPatch> = {};
        if (patch.status === "running" && !cur.startedAt) stamps.startedAt = new Date();
        if (patch.status && TERMINAL.includes(patch.status) && !cur.finishedAt) stamps.finishedAt = new Date();
        const rows = await ctx
          .db()
          .update(j)
          .set({ ...stamps, ...defined(patch) })
          .where(eq(j.id, id))
          .returning();
        return one(rows, "training job");
      }),
    get,
    getByRemoteId: async (remoteJobId: string): Promise<TrainingJob | undefined> => {
      const [row] = await ctx.db().select().from(j).where(eq(j.remoteJobId, remoteJobId));
      return row;
    },
    /** The newest attempt for (agent, iteration): what a resumed run reattaches to or retries. */
    latest: async (agentId: string, iteration: number): Promise<TrainingJob | undefined> => {
      const [row] = await ctx
        .db()
        .select()
        .from(j)
        .where(and(eq(j.agentId, agentId), eq(j.iteration, iteration)))
        .orderBy(desc(j.createdAt), desc(j.id))
        .limit(1);
      return row;
    },
    /**
     * Marks the run's attempts still "queued" or "running" as "abandoned" (with `reason`), returning them.
     * Only for the lease holder of the run: no live process can own such an attempt then.
     */
    abandonUnfinished: (runId: string, reason: string): Promise<TrainingJob[]> =>
      ctx
        .db()
        .update(j)
        .set({ status: "abandoned", error: reason, finishedAt: new Date() })
        .where(and(eq(j.runId, runId), inArray(j.status, ["queued", "running"])))
        .returning(),
    /** Ordered by iteration, then creation. */
    list: (f: { runId: string; agentId?: string; status?: TrainingStatus }): Promise<TrainingJob[]> =>
      ctx
        .db()
        .select()
        .from(j)
        .where(whereEq(j, ["runId", "agentId", "status"], f))
        .orderBy(j.iteration, j.createdAt, j.id),
  };
}

export type TrainingJobsRepo = ReturnType<typeof trainingJobsRepo>;
