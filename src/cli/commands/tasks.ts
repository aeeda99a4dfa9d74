import type { Argv, CommandModule } from "yargs";
import { commandGroup } from "../command-group.js";
import { UserError } from "../../errors.js";
import { percent, selfGrade } from "../../tasks/check.js";
import { getTask, TASK_NAMES, type TaskOptions } from "../../tasks/registry.js";
import { SPLITS, type ParseStatus, type Question, type Split, type Task } from "../../tasks/types.js";

/** `society tasks list | show | check`: the reasoning tasks, their data, and a self-check of their graders. */

interface Common {
  task: string;
  split: Split;
  limit?: number;
  offset: number;
  seed?: number;
  file?: string;
  "max-value"?: number;
  subset?: string[];
}

const out = (line = "") => process.stdout.write(`${line}\n`);

function commonOptions<T>(y: Argv<T>) {
  return y
    .positional("task", {
      type: "string",
      demandOption: true,
      describe: `one of ${TASK_NAMES.join(", ")}, or the path of a task file (*.yaml)`,
    })
    .option("split", { choices: SPLITS, default: "test" as Split, describe: "which split" })
    .option("limit", { type: "number", describe: "at most this many questions" })
    .option("offset", { type: "number", default: 0, describe: "skip this many questions first" })
    .option("seed", { type: "number", describe: "arithmetic: generation seed (default 0); data sets: shuffle seed (file order if absent)" })
    .option("file", { type: "string", describe: "a data file (JSONL, JSON, CSV, Parquet) instead of the split's own" })
    .option("max-value", { type: "number", describe: "arithmetic: largest operand (default 30)" })
    .option("subset", { type: "string", array: true, describe: "tasks with subsets (mmlu: subjects): only these" });
}

function taskOf(args: Common): Task {
  const options: TaskOptions = {};
  if (args["max-value"] !== undefined) options.max_value = args["max-value"];
  if (args.subset?.length) options.subset = args.subset.map(String);
  return getTask(args.task, options);
}

async function questionsOf(task: Task, args: Common): Promise<Question[]> {
  for (const [name, v] of [
    ["limit", args.limit],
    ["offset", args.offset],
    ["seed", args.seed],
  ] as const) {
    if (v !== undefined && !Number.isInteger(v)) throw new UserError(`--${name} must be an integer, got ${v}`);
  }
  return task.questions(args.split, { limit: args.limit, offset: args.offset, seed: args.seed, path: args.file });
}

const list: CommandModule<{}, {}> = {
  command: "list",
  describe: "List the tasks with their splits and sizes",
  handler: async () => {
    for (const name of TASK_NAMES) {
      const task = getTask(name);
      const sizes: string[] = [];
      for (const split of SPLITS) {
        try {
          sizes.push(`${split} ${(await task.questions(split)).length}`);
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
          sizes.push(`${split} — (give a file)`);
        }
      }
      out(`${name.padEnd(11)} ${task.description}`);
      out(`${"".padEnd(11)} ${sizes.join(", ")}${name === "arithmetic" ? " (generated; any size)" : ""}`);
    }
  },
};

const show: CommandModule<{}, Common & { solutions: boolean }> = {
  command: "show <task>",
  describe: "Print questions and gold answers",
  builder: (y) =>
    commonOptions(y).option("solutions", { type: "boolean", default: false, describe: "also print the worked gold solutions" }) as any,
  handler: async (args) => {
    const task = taskOf(args);
    const qs = await questionsOf(task, { ...args, limit: args.limit ?? 5 });
    out(`${task.name} ${args.split}: ${qs.length} question(s) from offset ${args.offset}`);
    for (const q of qs) {
      out();
      out(`[${q.id}]`);
      out(q.text.trim());
      out(`gold: ${q.gold}`);
      if (args.solutions) {
        out("solution:");
        out(task.goldSolution(q).trim().replace(/^/gm, "  "));
      }
    }
  },
};

const check: CommandModule<{}, Common & { shuffled?: number; failures: number }> = {
  command: "check <task>",
  describe: "Grade every gold solution against its own gold answer (extractor + grader self-check)",
  builder: (y) =>
    commonOptions(y).option("failures", { type: "number", default: 5, describe: "how many failures to print" }).option("shuffled", {
      type: "number",
      describe: "control run: grade each solution against another question's gold (this seed); a strict grader scores low",
    }) as any,
  handler: async (args) => {
    const task = taskOf(args);
    const qs = await questionsOf(task, args);
    const report = selfGrade(task, qs, { shuffleSeed: args.shuffled });
    const statuses = new Map<ParseStatus, number>();
    for (const q of qs) {
      const s = task.extract(task.goldSolution(q)).status;
      statuses.set(s, (statuses.get(s) ?? 0) + 1);
    }
    out(
      `${task.name} ${args.split}: ${qs.length} question(s); answers parsed by ${[...statuses].map(([s, n]) => `${s} ${n}`).join(", ") || "—"}`,
    );
    if (args.shuffled === undefined && report.failures.length) {
      out(`failures (first ${Math.min(args.failures, report.failures.length)} of ${report.failures.length}):`);
      for (const f of report.failures.slice(0, args.failures)) {
        out(`  ${f.id}: extracted ${JSON.stringify(f.extracted)} (${f.status}) vs gold ${JSON.stringify(f.gold)}`);
      }
    }
    if (args.shuffled !== undefined) {
      out(
        `shuffled-gold control: ${report.correct}/${report.total} (${percent(report.correct, report.total)}%) graded equal to another question's gold`,
      );
    } else {
      out(`gold self-grade: ${report.correct}/${report.total} (${percent(report.correct, report.total)}%)`);
    }
  },
};

export default commandGroup("tasks", "List, show and check the reasoning tasks", [list, show, check]);
