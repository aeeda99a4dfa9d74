import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../errors.js";
import { REPO_ROOT } from "../util/repo-root.js";
import { arithmeticTask } from "./arithmetic.js";
import { dataTask } from "./data-task.js";
import { readTaskFile } from "./task-file.js";
import type { Task } from "./types.js";

/**
 * The one list of tasks: those generated in code (arithmetic) and every task file shipped in eval/tasks/
 * (the file name is the task's name). A run config or command may also name a task file of its own by
 * path. Options: each task accepts only its own keys, so a misspelt option is an error, not ignored.
 */

/** Task options as written in a run config (`max_value`) or in code (`maxValue`). */
export type TaskOptions = Record<string, string | number | boolean | string[] | undefined>;

export const TASKS_DIR = join(REPO_ROOT, "eval/tasks");

const CODE_TASKS: Record<string, { options: string[]; make(options: Record<string, unknown>): Task }> = {
  arithmetic: { options: ["maxValue", "trainSize", "testSize", "solution"], make: (o) => arithmeticTask(o) },
};

const FILE_TASKS = readdirSync(TASKS_DIR)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => f.slice(0, -".yaml".length))
  .sort();

export const TASK_NAMES: readonly string[] = [...Object.keys(CODE_TASKS), ...FILE_TASKS];

/** A task's own file (a path ending in .yaml or .yml) rather than a registered name. */
export const isTaskFilePath = (ref: string) => /\.ya?ml$/i.test(ref);

export const isTaskRef = (ref: string) => TASK_NAMES.includes(ref) || isTaskFilePath(ref);

const snakeToCamel = (k: string) => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
const camelToSnake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A task by registered name, or by the path of a task file. */
export function getTask(ref: string, options: TaskOptions = {}): Task {
  const code = CODE_TASKS[ref];
  if (code) return code.make(checkOptions(ref, options, code.options));
  let path: string;
  if (FILE_TASKS.includes(ref)) path = join(TASKS_DIR, `${ref}.yaml`);
  else if (isTaskFilePath(ref)) path = resolve(ref);
  else throw new UserError(`unknown task "${ref}"; known tasks: ${TASK_NAMES.join(", ")} (or the path of a task file, *.yaml)`);
  const file = readTaskFile(path);
  const shipped = resolve(TASKS_DIR, `${file.name}.yaml`);
  if (TASK_NAMES.includes(file.name) && shipped !== path) {
    // Questions are stored by task name: another file under a shipped name would mix with (and overwrite) its questions.
    throw new UserError(`${path}: name "${file.name}" is a shipped task's; give your task another name`);
  }
  if (FILE_TASKS.includes(ref) && file.name !== ref) throw new UserError(`${path}: name "${file.name}" must match the file name "${ref}"`);
  return dataTask(file, path, checkOptions(file.name, options, file.subset ? ["subset"] : []));
}

function checkOptions(task: string, options: TaskOptions, known: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const camel = snakeToCamel(key);
    if (!known.includes(camel)) {
      throw new UserError(`task ${task}: unknown option "${key}" (known: ${known.length ? known.map(camelToSnake).join(", ") : "none"})`);
    }
    out[camel] = value;
  }
  return out;
}
