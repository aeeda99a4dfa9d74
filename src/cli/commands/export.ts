import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { CommandModule } from "yargs";
import { datasetJsonl } from "../../store/index.js";
import { storedRunOptions, type RunFilterArgs } from "../run-filter-options.js";
import { withStore } from "../with-store.js";
import { UserError } from "../../errors.js";
import writeFileAtomic from "write-file-atomic";

interface Args extends RunFilterArgs {
  runId: string;
  out?: string;
  db?: string;
}

/**
 * `society export <run-id>`: every agent's dataset of every iteration as JSONL: chat sets as chat JSONL
 * (the OpenAI/TRL SFT format), preference sets (DPO pairs) as OpenAI's preference JSONL — each file is
 * what `society train` (with `--objective dpo` for pairs) reads.
 */
const command: CommandModule<{}, Args> = {
  command: "export <runId>",
  describe: "Write each agent's training sets as JSONL files (chat, or preference pairs)",
  builder: (y) =>
    storedRunOptions(y, { method: "only this method", iteration: "only this iteration" }).option("out", {
      type: "string",
      describe: "folder (default runs/<run-id>/datasets)",
    }) as any,
  handler: async (args) => {
    await withStore(args.db, async (store) => {
      if (!(await store.runs.get(args.runId))) throw new UserError(`no run "${args.runId}" in ${store.location}`);
      const agents = new Map((await store.agents.list(args.runId)).map((a) => [a.id, a]));
      const sets = await store.datasets.list({ runId: args.runId, method: args.method, iteration: args.iteration });
      if (!sets.length)
        throw new UserError(
          `run "${args.runId}" has no datasets${args.method ? ` for method ${args.method}` : ""}${args.iteration !== undefined ? ` at iteration ${args.iteration}` : ""}`,
        );
      const dir = args.out ?? join("runs", args.runId, "datasets");
      mkdirSync(dir, { recursive: true });
      for (const d of sets) {
        const a = agents.get(d.agentId);
        const name = `${d.method}.it${d.iteration}.${a ? `${a.role}${a.agentIndex}` : d.agentId}.${d.kind.replace("-", "minus").replace("+", "plus")}.jsonl`;
        const path = join(dir, name);
        writeFileAtomic.sync(path, datasetJsonl(d.format, await store.datasets.rows(d.id)));
        process.stdout.write(`${path}  (${d.rowCount} ${d.format === "preference" ? "pairs" : "rows"})\n`);
      }
    });
  },
};
export default command;
