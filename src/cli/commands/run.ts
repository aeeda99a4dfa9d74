import { join, relative } from "node:path";
import type { CommandModule } from "yargs";
import { loadConfig } from "../../config/load.js";
import { parseSeeds } from "../../run/run-id.js";
import { wholeNumber } from "../coerce.js";
import { unitQueueOptions, type UnitQueueArgs } from "../unit-queue-options.js";
import { withStore } from "../with-store.js";

interface Args extends UnitQueueArgs {
  config: string;
  seeds?: number[];
  out: string;
  db?: string;
  workers?: boolean;
  "debate-chunk": number;
}

/**
 * `society run <config.yaml> [--seeds 1,2,3]`: the main job. Runs every method of the config per seed
 * (resuming what a killed run left), then writes the report and prints the accuracy table.
 */
const command: CommandModule<{}, Args> = {
  command: "run <config>",
  describe: "Run multiagent finetuning and baselines from a YAML config (resumes if interrupted)",
  builder: (y) =>
    unitQueueOptions(
      y
        .positional("config", { type: "string", demandOption: true, describe: "YAML run config, e.g. eval/configs/tiny-arithmetic.yaml" })
        .option("seeds", {
          type: "string",
          coerce: parseSeeds,
          describe: "comma-separated seeds, one run each (default: the config's seed); the report shows mean ± std",
        })
        .option("out", { type: "string", default: "runs", describe: "folder for runs/<run-id>/" })
        .option("workers", {
          type: "boolean",
          describe: "coordinate: send debate chunks and training jobs to `society worker`s on the same PostgreSQL --db, and wait for them",
        })
        .option("debate-chunk", {
          type: "string",
          default: "8",
          coerce: wholeNumber("debate-chunk", 1),
          describe: "with --workers: questions per debate unit",
        }),
      "with --workers: ",
    )
      .example("$0 run eval/configs/tiny-arithmetic.yaml", "the embedded default")
      .example("$0 run eval/configs/tiny-arithmetic.yaml --seeds 1,2,3", "three seeds, mean ± std")
      .example(
        "$0 run c.yaml --db postgres://db/society --workers --artifacts /mnt/shared/artifacts",
        "debates and training jobs on `society worker`s",
      ) as any,
  handler: async (args) => {
    const config = loadConfig(args.config);
    const seeds = args.seeds ?? [config.seed];
    const { executeRun } = await import("../../run/execute.js");
    const { reportDataFromStore } = await import("../../report/from-store.js");
    const { accuracyRows, terminalTable } = await import("../../report/table.js");
    const { writeReport } = await import("../../report/write.js");
    const { reportDir } = await import("../../report/report-dir.js");
    const { resolveDbUrl } = await import("../../store/url.js");
    const workers = args.workers
      ? {
          dbUrl: resolveDbUrl(args.db),
          artifacts: args.artifacts,
          expireInSeconds: args["unit-timeout"],
          retries: args.retries,
          debateChunk: args["debate-chunk"],
        }
      : undefined;
    await withStore(args.db, async (store) => {
      const runIds: string[] = [];
      const t0 = Date.now();
      for (const seed of seeds) runIds.push((await executeRun({ config, seed, store, outDir: args.out, workers })).runId);
      // Each seed's own report, then (several seeds) the mean ± std summary beside the first.
      if (runIds.length > 1)
        for (const id of runIds) await writeReport(await reportDataFromStore(store, [id]), join(args.out, id, "report"));
      const data = await reportDataFromStore(store, runIds);
      const dir = reportDir(args.out, data);
      await writeReport(data, dir);
      if (config.tracking) {
        const { trackReport } = await import("../../tracking/open.js");
        const warn = (l: string) => process.stderr.write(`warning: ${l}\n`);
        for (const id of runIds)
          await trackReport(config.tracking, store, id, runIds.length > 1 ? join(args.out, id, "report") : dir, warn);
      }
      process.stdout.write(
        `\n${terminalTable(accuracyRows(data))}\n\naccuracy in %, ${seeds.length > 1 ? `mean ± std over seeds ${seeds.join(",")}` : "± standard error"}; ${((Date.now() - t0) / 60000).toFixed(1)} min\nreport: ${relative(process.cwd(), join(dir, "report.html"))}\n`,
      );
    });
  },
};

export default command;
