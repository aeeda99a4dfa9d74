import type { CommandModule } from "yargs";
import { terminalTable } from "../../report/table.js";
import { isStale } from "../../store/index.js";
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
  builder: (y) =>
    y.option("limit", { type: "string", default: "20", coerce: wholeNumber("limit", 1), describe: "show at most this many runs" }) as any,
  handler: async (args) => {
    await withStore(args.db, async (store) => {
      const runs = await store.runs.list({ limit: args.limit });
      if (!runs.length) return void process.stdout.write(`no runs in ${store.location}\n`);
      const leases = new Map((await store.leases.list("run:")).map((l) => [l.key.slice(4), l]));
      const rows = runs.map((r) => {
        const lease = leases.get(r.id);
        // "running" in the table but nobody holds the lease: the process died; rerunning resumes it.
        const live = lease && !isStale(lease);
        const status = r.status === "running" && !live ? "interrupted" : r.status;
        const note =
          r.status === "failed"
            ? oneLine(r.error ?? "")
            : live
              ? `pid ${lease.pid} on ${lease.host}`
              : status === "interrupted"
                ? "rerun to resume"
                : "";
        return [
          r.id,
          r.name,
          String(r.seed),
          status,
          (r.methods as string[]).join(","),
          r.createdAt.toISOString().slice(0, 19).replace("T", " "),
          note,
        ];
      });
      process.stdout.write(terminalTable({ header: ["id", "name", "seed", "status", "methods", "created", "note"], rows }) + "\n");
    });
  },
};
export default command;

/** An error message as one table cell: first line, at most 300 characters (the reason must survive a long path). */
function oneLine(s: string): string {
  const line = s.split("\n")[0]!.trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
