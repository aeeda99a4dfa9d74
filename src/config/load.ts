import { dirname, isAbsolute, resolve } from "node:path";
import { isTaskFilePath } from "../tasks/registry.js";
import { UserError } from "../errors.js";
import { runConfigSchema, type RunConfig } from "./schema.js";
import { parseYaml } from "../util/yaml.js";
import { readTextFile } from "../util/read-text.js";

export { deepMerge } from "../util/yaml.js";

/** Reads a YAML run config, fills defaults, and validates it; errors name file:line:col and the field. */
export function loadConfig(path: string, overrides: Record<string, unknown> = {}): RunConfig {
  let text: string;
  try {
    text = readTextFile(path);
  } catch (e) {
    throw new UserError(`cannot read config ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseConfig(text, path, overrides, dirname(resolve(path)));
}

/**
 * `baseDir`: where the file's relative paths (a task file, task.train.path, task.test.path) are taken
 * from, normally the config file's folder; paths given as overrides (command-line flags) stay as given.
 */
export function parseConfig(text: string, file = "<config>", overrides: Record<string, unknown> = {}, baseDir?: string): RunConfig {
  return parseYaml(runConfigSchema, text, file, {
    overrides,
    what: "a run config",
    prepare: baseDir ? (raw) => withPathsFrom(raw, baseDir) : undefined,
  });
}

function withPathsFrom(raw: Record<string, unknown>, baseDir: string): Record<string, unknown> {
  const task = raw.task;
  if (!task || typeof task !== "object" || Array.isArray(task)) return raw;
  const t = { ...(task as Record<string, unknown>) };
  const abs = (p: unknown) => (typeof p === "string" && p && !isAbsolute(p) ? resolve(baseDir, p) : p);
  if (typeof t.name === "string" && isTaskFilePath(t.name)) t.name = abs(t.name);
  for (const split of ["train", "test"]) {
    const s = t[split];
    if (s && typeof s === "object" && !Array.isArray(s) && "path" in s) t[split] = { ...s, path: abs((s as { path: unknown }).path) };
  }
  return { ...raw, task: t };
}
