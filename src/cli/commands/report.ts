import { join, relative } from "node:path";
import type { CommandModule } from "yargs";
import { withStore } from "../with-store.js";

interface Args {
  runIds: string[];
  out?: string;
  db?: string;
}

/** `society report <run-id>...`: charts, tables and results.json from stored runs (several ids = seeds, mean ± std). */
const command: CommandModule<{}, Args> = {
  command: "report <runIds..>",
  describe: "Write the report (Markdown, HTML, PNG charts, results.json) of runs (several = seeds)",
  builder: (y) =>
    y.positional("runIds", { type: "string", array: true, demandOption: true, describe: "run ids (see `society runs`)" }).option("out", {
      type: "string",
      describe: "output folder (default runs/<run-id>/report; several runs: runs/<first-run-id>/report-seeds-…)",
    }) as any,
  handler: async (args) => {
    // Loaded here so other commands do not pay for vega and resvg at startup.
    const { reportDataFromStore } = await import("../../report/from-store.js");
    const { accuracyRows, terminalTable } = await import("../../report/table.js");
    const { writeReport } = await import("../../report/write.js");
    const { reportDir } = await import("../../report/report-dir.js");
    await withStore(args.db, async (store) => {
      const data = await reportDataFromStore(store, args.runIds);
      const dir = args.out ?? reportDir("runs", data);
      await writeReport(data, dir);
      process.stdout.write(
        `${terminalTable(accuracyRows(data))}\n\naccuracy in %, ${data.seeds.length > 1 ? "mean ± std over seeds" : "± standard error"}\nreport: ${relative(process.cwd(), join(dir, "report.html")) || dir}\n`,
      );
    });
  },
};
export default command;
