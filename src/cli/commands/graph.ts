import type { CommandModule } from "yargs";
import { commandGroup } from "../command-group.js";
import { UserError } from "../../errors.js";
import { loadGraphs, roundLabelStats, toGraphml } from "../../graphs/index.js";
import { getTask } from "../../tasks/index.js";
import { storedRunOptions, type RunFilterArgs } from "../run-filter-options.js";
import { withStore } from "../with-store.js";
import writeFileAtomic from "write-file-atomic";

interface Args extends RunFilterArgs {
  runId: string;
  format: "json" | "graphml";
  out?: string;
  phase?: "train" | "test";
  db?: string;
}

/**
 * `society graph export <run-id>`: the interaction graphs (MAGDi §3.1) of a run's stored debates — a node per
 * (agent, round) response labelled correct / incorrect / absent, edges from each round to the next — as one
 * JSON document or one GraphML document (a <graph> per debate), to a file or stdout.
 */
const exportCmd: CommandModule<{}, Args> = {
  command: "export <runId>",
  describe: "Write the interaction graphs of a run's debates as JSON or GraphML",
  builder: (y) =>
    storedRunOptions(y, { method: "only debates stored under this method key (e.g. base, teachers)", iteration: "only this iteration" })
      .option("format", { choices: ["json", "graphml"] as const, default: "json" as const })
      .option("out", { type: "string", describe: "file to write (default: stdout)" })
      .option("phase", { choices: ["train", "test"] as const, describe: "only this split's debates" }) as any,
  handler: async (args) => {
    await withStore(args.db, async (store) => {
      const run = await store.runs.get(args.runId);
      if (!run) throw new UserError(`no run "${args.runId}" in ${store.location} (see \`society runs\`)`);
      const cfg = run.config as { task?: { name?: string; options?: Record<string, string | number | boolean> } };
      if (!cfg.task?.name) throw new UserError(`run "${args.runId}" has no task in its stored config`);
      const task = getTask(cfg.task.name, cfg.task.options ?? {});
      const stored = await loadGraphs(store, args.runId, task, { method: args.method, iteration: args.iteration, phase: args.phase });
      if (!stored.length) {
        const which = [
          args.method && `method ${args.method}`,
          args.iteration !== undefined && `iteration ${args.iteration}`,
          args.phase && `phase ${args.phase}`,
        ]
          .filter(Boolean)
          .join(", ");
        throw new UserError(`run "${args.runId}" has no finished debates${which ? ` for ${which}` : ""}`);
      }
      const body =
        args.format === "graphml"
          ? toGraphml(stored.map((s) => s.graph))
          : JSON.stringify(
              {
                run: args.runId,
                task: task.name,
                labels: ["correct", "incorrect", "absent"],
                round_stats: roundLabelStats(stored.map((s) => s.graph)),
                graphs: stored.map((s) => ({ method: s.method, iteration: s.iteration, phase: s.phase, ...s.graph })),
              },
              null,
              1,
            ) + "\n";
      if (!args.out) {
        process.stdout.write(body);
        return;
      }
      // Written whole or not at all.
      writeFileAtomic.sync(args.out, body);
      process.stderr.write(`${args.out}  (${stored.length} graphs, ${args.format})\n`);
    });
  },
};

export default commandGroup("graph", "Interaction graphs of stored debates (MAGDi)", [exportCmd]);
