import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../errors.js";

/** The repo's prompts/ folder, found relative to this file so the CLI works from any cwd. */
export const DEFAULT_PROMPTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../prompts");

export type PromptRole = "generator" | "critic" | "critic-summary" | "other-response" | "summarizer" | "star-hint" | (string & {});

export interface Template {
  /** The file it came from, for error messages. */
  file: string;
  text: string;
}

const cache = new Map<string, Template>();

/**
 * Loads prompts/<task>/<role>.md, falling back to prompts/default/<role>.md. `task` is a folder name under
 * `dir`, or an absolute path (a task file's own prompts folder), which falls back the same way.
 */
export function loadTemplate(task: string, role: PromptRole, dir: string = DEFAULT_PROMPTS_DIR): Template {
  const key = `${dir}\0${task}\0${role}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const candidates = [join(isAbsolute(task) ? task : join(dir, task), `${role}.md`), join(dir, "default", `${role}.md`)];
  const file = candidates.find((f) => existsSync(f));
  if (!file) throw new UserError(`no prompt template for task "${task}", role "${role}" (looked for ${candidates.join(", ")})`);
  // One trailing newline is an editor artefact, not part of the prompt.
  const text = readFileSync(file, "utf8").replace(/\r\n/g, "\n").replace(/\n$/, "");
  const t = { file, text };
  cache.set(key, t);
  return t;
}

/** Substitutes {{name}} variables; a variable the caller did not give is an error naming the file. */
export function render(template: Template, vars: Record<string, string | number>): string {
  return template.text.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => {
    if (!(name in vars))
      throw new UserError(
        `${template.file}: template variable {{${name}}} has no value (given: ${Object.keys(vars).join(", ") || "none"})`,
      );
    return String(vars[name]);
  });
}

/** Convenience: load and render in one call. */
export function renderPrompt(task: string, role: PromptRole, vars: Record<string, string | number>, dir?: string): string {
  return render(loadTemplate(task, role, dir), vars);
}
