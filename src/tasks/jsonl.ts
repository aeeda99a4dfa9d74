import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../errors.js";
import { shuffled } from "./rng.js";
import type { QuestionsOptions } from "./types.js";

/** Reading the JSONL data sets in place (never copied into the repo), with file:line errors. */

export interface JsonlRow {
  /** 1-based line number in the file. */
  line: number;
  /** 0-based index among the file's lines (blank lines keep their number). */
  index: number;
  value: Record<string, unknown>;
}

const cache = new Map<string, { mtimeMs: number; rows: JsonlRow[] }>();

export function readJsonl(path: string): JsonlRow[] {
  if (!existsSync(path)) throw new UserError(`${path}: no such file`);
  const { mtimeMs } = statSync(path);
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === mtimeMs) return hit.rows;
  const rows: JsonlRow[] = [];
  const lines = readFileSync(path, "utf8").split("\n");
  lines.forEach((text, index) => {
    if (!text.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new UserError(`${path}:${index + 1}: not valid JSON (${(e as Error).message})`);
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      throw new UserError(`${path}:${index + 1}: expected a JSON object`);
    }
    rows.push({ line: index + 1, index, value: value as Record<string, unknown> });
  });
  cache.set(path, { mtimeMs, rows });
  return rows;
}

/** A required string field, or a UserError naming file, line and field. */
export function stringField(path: string, row: JsonlRow, field: string): string {
  const v = row.value[field];
  if (typeof v !== "string" || !v.trim()) {
    throw new UserError(`${path}:${row.line}: field "${field}" must be a non-empty string`);
  }
  return v;
}

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Where a shared data file lives: $SOCIETY_DATASETS, else ../shared/datasets from the working
 * directory, else ../shared/datasets next to this checkout (so commands work from any folder).
 */
export function datasetCandidates(relative: string): string[] {
  const roots = [
    ...(process.env.SOCIETY_DATASETS ? [resolve(process.env.SOCIETY_DATASETS)] : []),
    resolve(process.cwd(), "../shared/datasets"),
    resolve(REPO_ROOT, "../shared/datasets"),
  ];
  return [...new Set(roots.map((r) => resolve(r, relative)))];
}

export function resolveDataset(task: string, relative: string, explicit?: string): string {
  if (explicit) {
    const p = resolve(explicit);
    if (!existsSync(p)) throw new UserError(`${task}: data file ${explicit} does not exist`);
    return p;
  }
  const candidates = datasetCandidates(relative);
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new UserError(`${task}: data file not found (tried ${candidates.join(", ")}); pass a path or set SOCIETY_DATASETS`);
  }
  return found;
}

/** Applies seed (shuffle), offset and limit, validating them. */
export function selectRows<T>(task: string, items: T[], opts: QuestionsOptions): T[] {
  const offset = opts.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw new UserError(`${task}: offset must be an integer ≥ 0, got ${offset}`);
  if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 0)) {
    throw new UserError(`${task}: limit must be an integer ≥ 0, got ${opts.limit}`);
  }
  const ordered = opts.seed === undefined ? items : shuffled(items, opts.seed);
  return ordered.slice(offset, opts.limit === undefined ? undefined : offset + opts.limit);
}
