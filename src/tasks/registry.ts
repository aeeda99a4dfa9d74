import { UserError } from "../errors.js";
import { arithmeticTask } from "./arithmetic.js";
import { gsm8kTask } from "./gsm8k.js";
import { mathTask } from "./math.js";
import type { Task } from "./types.js";

/**
 * Task options as written in a run config (`max_value`) or in code (`maxValue`); each task accepts
 * only its own keys, so a misspelt option is an error rather than silently ignored.
 */
export type TaskOptions = Record<string, string | number | boolean | undefined>;

interface Entry {
  options: string[];
  make(options: Record<string, unknown>): Task;
}

const TASKS: Record<string, Entry> = {
  arithmetic: { options: ["maxValue", "trainSize", "testSize"], make: (o) => arithmeticTask(o) },
  gsm8k: { options: [], make: () => gsm8kTask() },
  math: { options: [], make: () => mathTask() },
};

export const TASK_NAMES = Object.keys(TASKS);

const snakeToCamel = (k: string) => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
const camelToSnake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function getTask(name: string, options: TaskOptions = {}): Task {
  const entry = TASKS[name];
  if (!entry) throw new UserError(`unknown task "${name}"; known tasks: ${TASK_NAMES.join(", ")}`);
  const opts: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const camel = snakeToCamel(key);
    if (!entry.options.includes(camel)) {
      const known = entry.options.length ? entry.options.map(camelToSnake).join(", ") : "none";
      throw new UserError(`task ${name}: unknown option "${key}" (known: ${known})`);
    }
    opts[camel] = value;
  }
  return entry.make(opts);
}
