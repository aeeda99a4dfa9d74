import type { CommandModule } from "yargs";
import { terminalTable } from "../../report/table.js";
import { wholeNumber } from "../coerce.js";
import { withStore } from "../with-store.js";

interface Args {
  limit: number;
  db?: string;
}

/** `society runs`: the runs in the store, newest first. */
const command: CommandModule<{}, Args> = {
  command: "runs",
  describe: "List the runs in the store",
  builder: (y) => y.option("limit", { type: "string", default: "20", coerce: wholeNumber("limit", 1), describe: "show at most this many runs" }) as any,
  handler: async (args) => {
    await withStore(args.db, async (store) => {
      const runs = await store.runs.list({ limit: args.limit });
      if (!runs.length) return void process.stdout.write(`no runs in ${store.location}\n`);
      const rows = runs.map((r) => [r.id, r.name, String(r.seed), r.status, (r.methods as string[]).join(","), r.createdAt.toISOString().slice(0, 19).replace("T", " ")]);
      process.stdout.write(terminalTable({ header: ["id", "name", "seed", "status", "methods", "created"], rows }) + "\n");
    });
  },
};
export default command;
