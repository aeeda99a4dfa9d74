import type { CommandModule } from "yargs";
import { UserError } from "../../errors.js";
import { wholeNumber } from "../coerce.js";
import { unitQueueOptions, type UnitQueueArgs } from "../unit-queue-options.js";

interface Args extends UnitQueueArgs {
  db?: string;
  queue: string[];
  concurrency: number;
  threads?: number;
  heartbeat: number;
  "work-dir": string;
}

/**
 * `society worker --db postgres://…`: claims units (training jobs, debate chunks) of any run in that store,
 * runs them with this machine's trainer and llama backend, and completes them through the run's unit ledger. Stops on SIGINT/SIGTERM after
 * the units in hand; a SIGKILLed worker's unit stops heartbeating and goes to another worker.
 */
const command: CommandModule<{}, Args> = {
  command: "worker",
  describe: "Run units of `society run --workers` runs from a shared PostgreSQL store",
  builder: (y) =>
    unitQueueOptions(
      y
        .option("db", { type: "string", describe: "the runs' PostgreSQL store (postgres://…; default $SOCIETY_DB_URL)" })
        .option("queue", {
          type: "array",
          string: true,
          default: ["train", "debate"],
          describe: "queues to take units from: train (training jobs), debate (debate chunks, evaluations included)",
        })
        .option("concurrency", { type: "string", default: "1", coerce: wholeNumber("concurrency", 1), describe: "units at once" }),
    )
      .option("threads", {
        type: "string",
        coerce: wholeNumber("threads", 1),
        describe: "CPU threads per training job and for the llama backend (default $SOCIETY_LLAMA_THREADS, else all cores)",
      })
      .option("heartbeat", {
        type: "string",
        default: "30",
        coerce: wholeNumber("heartbeat", 1),
        describe:
          "seconds a unit in hand stays claimed without a heartbeat (renewed every quarter); a worker silent longer is taken to be gone",
      })
      .option("work-dir", { type: "string", default: "runs/worker", describe: "scratch space for outputs before they are stored" })
      .example("$0 worker --db postgres://db/society --artifacts /mnt/shared/artifacts --threads 8", "") as any,
  handler: async (args) => {
    const { QUEUES } = await import("../../queue/boss.js");
    const queues = args.queue.map((q) => {
      if (!(QUEUES as readonly string[]).includes(q)) throw new UserError(`--queue: unknown queue "${q}" (queues: ${QUEUES.join(", ")})`);
      return q as (typeof QUEUES)[number];
    });
    const { resolveDbUrl } = await import("../../store/url.js");
    const { openStore } = await import("../../store/index.js");
    const { openArtifactStore } = await import("../../artifacts/index.js");
    const { startWorker } = await import("../../queue/worker.js");
    const { ggmlTrainer } = await import("../../training/ggml/index.js");
    const dbUrl = resolveDbUrl(args.db);
    const store = await openStore(dbUrl);
    const envThreads = Number(process.env.SOCIETY_LLAMA_THREADS);
    const worker = await startWorker({
      dbUrl,
      store,
      artifacts: openArtifactStore(args.artifacts, { cacheDir: `${args["work-dir"]}/artifact-cache` }),
      trainer: ggmlTrainer,
      queues,
      concurrency: args.concurrency,
      threads: args.threads ?? (envThreads > 0 ? envThreads : undefined),
      expireInSeconds: args["unit-timeout"],
      retries: args.retries,
      workDir: args["work-dir"],
      heartbeatSeconds: args.heartbeat,
    });
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    process.stderr.write(`worker ${process.pid}: stopping after the units in hand\n`);
    await worker.stop();
    await store.close();
  },
};
export default command;
