import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { z, ZodIssue, ZodTypeAny } from "zod";
import { UserError } from "../errors.js";

/**
 * Parses YAML text against a zod schema; every error names file:line:col and the field (unknown fields at
 * their key). Shared by run configs and task files.
 */
export function parseYaml<S extends ZodTypeAny>(
  schema: S,
  text: string,
  file: string,
  opts: { overrides?: Record<string, unknown>; what?: string; prepare?: (raw: Record<string, unknown>) => Record<string, unknown> } = {},
): z.output<S> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const pos = lines.linePos(err.pos[0]);
    throw new UserError(`${file}:${pos.line}:${pos.col}: invalid YAML: ${err.message.split("\n")[0]}`);
  }
  const raw = doc.toJS() ?? {};
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new UserError(`${file}:1:1: ${opts.what ?? "the file"} must be a mapping of fields`);
  const prepared = opts.prepare ? opts.prepare(raw as Record<string, unknown>) : (raw as Record<string, unknown>);
  const merged = deepMerge(prepared, opts.overrides ?? {});
  const parsed = schema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : "";
  throw new UserError(`${locate(doc, lines, issue, file)}: ${describeIssue(issue)}${more}`);
}

function describeIssue(issue: ZodIssue): string {
  const field = issue.path.join(".");
  if (issue.code === "unrecognized_keys") {
    const where = field ? ` in ${field}` : "";
    return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}${where}`;
  }
  if (issue.code === "invalid_type" && issue.received === "undefined") return `${field}: required field is missing`;
  return `${field || "(root)"}: ${issue.message}`;
}

/** Finds the YAML node a zod issue points at: the offending key for unknown fields, else the value, else its nearest parent. */
function locate(doc: Document, lines: LineCounter, issue: ZodIssue, file: string): string {
  let node: Node | null | undefined;
  if (issue.code === "unrecognized_keys") {
    const parent = issue.path.length ? doc.getIn(issue.path, true) : doc.contents;
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && issue.keys.includes(String(p.key.value)));
      node = pair?.key as Node | undefined;
    }
  }
  for (let n = issue.path.length; !node && n >= 0; n--) {
    const candidate = n === 0 ? doc.contents : doc.getIn(issue.path.slice(0, n), true);
    if (candidate && typeof candidate === "object" && "range" in candidate) node = candidate as Node;
  }
  const offset = node?.range?.[0] ?? 0;
  const pos = lines.linePos(offset);
  return `${file}:${pos.line}:${pos.col}`;
}

/** Overrides (from CLI flags) win; nested objects merge, arrays and scalars replace. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
