/**
 * Where the remote trainer records which remote job serves a training request, so a restarted run
 * re-attaches to it instead of paying for a second job. The run store's training_jobs rows are the
 * ledger of the loop: the attempt in progress is the "running" openai row whose config carries the
 * request's seed (seeds are derived per agent and iteration, so it names one agent at one iteration);
 * an earlier attempt for the same agent and iteration that holds a remote_job_id is what to re-attach to.
 */
import type { Store, TrainingJob } from "../../store/index.js";
import type { TrainRequest } from "../types.js";

export interface JobLedger {
  /** The remote job id an earlier attempt of this request started, if recorded. */
  find(req: TrainRequest): Promise<string | undefined>;
  /** Records that this attempt runs as remote job `remoteJobId`. */
  record(req: TrainRequest, remoteJobId: string): Promise<void>;
}

const seedOf = (j: TrainingJob) => (j.config as { seed?: unknown } | null)?.seed;

export function storeJobLedger(store: Store, runId: string): JobLedger {
  /** The training_jobs row of the attempt now running this request, or undefined outside the loop. */
  const current = async (req: TrainRequest): Promise<TrainingJob | undefined> => {
    const rows = (await store.trainingJobs.list({ runId, status: "running" })).filter(
      (j) => j.trainer === "openai" && seedOf(j) === req.seed,
    );
    if (rows.length === 0) return undefined;
    const { agentId, iteration } = rows[rows.length - 1]!;
    return store.trainingJobs.latest(agentId, iteration);
  };
  return {
    async find(req) {
      const cur = await current(req);
      if (!cur) return undefined;
      const earlier = (await store.trainingJobs.list({ runId, agentId: cur.agentId })).filter(
        (j) => j.iteration === cur.iteration && j.remoteJobId && j.status !== "failed" && j.status !== "cancelled",
      );
      return earlier[earlier.length - 1]?.remoteJobId ?? undefined;
    },
    async record(req, remoteJobId) {
      const cur = await current(req);
      if (!cur || cur.remoteJobId === remoteJobId) return;
      await store.transaction(async () => {
        // remote_job_id is unique: the interrupted attempt hands the job over to this one.
        const holder = await store.trainingJobs.getByRemoteId(remoteJobId);
        if (holder && holder.id !== cur.id) {
          await store.trainingJobs.update(holder.id, {
            remoteJobId: null,
            status: "failed",
            error: `interrupted; remote job ${remoteJobId} re-attached by attempt ${cur.id}`,
          });
        }
        await store.trainingJobs.update(cur.id, { remoteJobId });
      });
    },
  };
}
