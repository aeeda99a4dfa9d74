import type { CommandModule } from "yargs";
import { UserError } from "../../errors.js";

interface Args {
  db?: string;
  queue: string[];
  concurrency: number;
  artifacts: string;
  threads?: number;
  "unit-timeout": number;
  retries: number;
  "work-dir": string;
}

/**
 * `society worker --db postgres://…`: claims units (training jobs) of any run in that store, runs them with
 * this machine's trainer, and completes them through the run's unit ledger. Stops on SIGINT/SIGTERM after
 * the units in hand; a SIGKILLed worker's unit expires and goes to another worker.
 */
const command: CommandModule<{}, Args> = {
  command: "worker",
  describe: "Run units of `society run --workers` runs from a shared PostgreSQL store",
  builder: (y) =>
    y
      .option("db", { type: "string", describe: "the runs' PostgreSQL store (postgres://…; default $SOCIETY_DB_URL)" })
      .option("queue", { type: "array", string: true, default: ["train"], describe: "queues to take units from" })
      .option("concurrency", { type: "number", default: 1, describe: "units at once" })
      .option("artifacts", { type: "string", default: "runs/artifacts", describe: "the artifact store the coordinator uses (shared directory or s3://bucket/prefix)" })
      .option("threads", { type: "number", describe: "CPU threads per training job (default $SOCIETY_LLAMA_THREADS, else all cores)" })
      .option("unit-timeout", { type: "number", default: 1800, describe: "seconds after which a unit whose worker vanished goes to another" })
      .option("retries", { type: "number", default: 2, describe: "attempts after the first before a unit is dead-lettered" })
      .option("work-dir", { type: "string", default: "runs/worker", describe: "scratch space for outputs before they are stored" })
      .example("$0 worker --db postgres://db/society --artifacts /mnt/shared/artifacts --threads 8", "") as any,
  handler: async (args) => {
    const { QUEUES } = await import("../../queue/boss.js");
    const queues = args.queue.map((q) => {
      if (!(QUEUES as readonly string[]).includes(q)) throw new UserError(`--queue: unknown queue "${q}" (queues: ${QUEUES.join(", ")})`);
      return q as (typeof QUEUES)[number];
    });
    if (!(Number.isInteger(args.concurrency) && args.concurrency >= 1)) throw new UserError(`--concurrency wants a whole number ≥ 1, got ${args.concurrency}`);
    const { resolveDbUrl } = await import("../../store/url.js");
    const { openStore } = await import("../../store/index.js");
    const { openArtifactStore } = await import("../../artifacts/index.js");
    const { startWorker } = await import("../../queue/worker.js");
    const { ggmlTrainer } = await import("../../training/ggml/index.js");
    const dbUrl = resolveDbUrl(args.db);
    const store = await openStore(dbUrl);
    const envThreads = Number(process.env.SOCIETY_LLAMA_THREADS);
    const worker = await startWorker({
      dbUrl, store, artifacts: openArtifactStore(args.artifacts, { cacheDir: `${args["work-dir"]}/artifact-cache` }), trainer: ggmlTrainer,
      queues, concurrency: args.concurrency, threads: args.threads ?? (envThreads > 0 ? envThreads : undefined),
      expireInSeconds: Math.ceil(args["unit-timeout"]), retries: args.retries, workDir: args["work-dir"],
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
