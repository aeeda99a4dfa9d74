import { UserError } from "../errors.js";
import type { Row } from "./read/rows.js";

/**
 * How a task file reads a row: a field reference is either a column name (`problem`, or a path into
 * nested values, `choices.text`) or a template whose `{{column}}` parts are filled from the row. Single
 * braces are plain text, so LaTeX passes through. A missing column is an error naming file, line/row
 * and the task-file field that asked for it.
 */

export const isTemplate = (ref: string) => ref.includes("{{");

/** The value at a column name or dotted path; undefined when absent. A key containing dots wins over a path. */
export function columnValue(row: Record<string, unknown>, path: string): unknown {
  if (path in row) return row[path];
  let v: unknown = row;
  for (const part of path.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Text for a template variable or a text field: strings as they are, numbers and booleans printed. */
export function asText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

/**
 * The field's value as text, or a UserError: `field` is the task-file key asking (for the message).
 * `extra` are computed variables (e.g. {{choices}}) a template may use besides the row's columns.
 */
export function readText(row: Row, ref: string, field: string, extra: Record<string, string> = {}): string {
  if (isTemplate(ref)) {
    return ref.replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, (_, name: string) => {
      if (name in extra) return extra[name]!;
      return textOf(row, name, `${field} template`);
    });
  }
  return textOf(row, ref, field);
}

function textOf(row: Row, column: string, field: string): string {
  const v = columnValue(row.value, column);
  if (v === undefined || v === null) {
    throw new UserError(`${row.where}: ${field}: no column "${column}" (columns: ${Object.keys(row.value).join(", ") || "none"})`);
  }
  const text = asText(v);
  if (text === undefined) throw new UserError(`${row.where}: ${field}: column "${column}" holds ${describe(v)}, not text`);
  return text;
}

export function describe(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v instanceof Uint8Array) return "binary data";
  if (v === null) return "null";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}
