import { statSync } from "node:fs";
import { extname } from "node:path";
import { UserError } from "../../errors.js";
import { fileSha256Sync } from "../../util/file-sha256.js";
import { notRegularFile } from "../../util/read-text.js";
import { readCsv, type CsvOptions } from "./csv.js";
import { readJson } from "./json.js";
import { readJsonl } from "./jsonl.js";
import { readParquet } from "./parquet.js";

/**
 * One data row from any supported file format, with where it came from: errors about a row name the
 * file and its line (JSONL, CSV) or row number (JSON arrays, Parquet).
 */
export interface Row {
  /** 0-based position among the file's records (JSONL: its line index, blank lines keep their number). */
  index: number;
  /** "file:line" or "file: row N" (1-based), for error messages. */
  where: string;
  /** 1-based line for line-based formats; absent for JSON and Parquet. */
  line?: number;
  value: Record<string, unknown>;
}

export const FORMATS = ["jsonl", "json", "csv", "parquet"] as const;
export type Format = (typeof FORMATS)[number];

export interface ReadOptions {
  format?: Format;
  csv?: CsvOptions;
}

const BY_EXTENSION: Record<string, { format: Format; csv?: CsvOptions }> = {
  ".jsonl": { format: "jsonl" },
  ".ndjson": { format: "jsonl" },
  ".json": { format: "json" },
  ".csv": { format: "csv" },
  ".tsv": { format: "csv", csv: { delimiter: "\t" } },
  ".parquet": { format: "parquet" },
};

/** The format a file is read as: the explicit one, else its extension's. */
export function formatOf(path: string, explicit?: Format): { format: Format; csv?: CsvOptions } {
  if (explicit) return { format: explicit };
  const hit = BY_EXTENSION[extname(path).toLowerCase()];
  if (!hit) throw new UserError(`${path}: cannot tell the format from the extension; name it (format: ${FORMATS.join(" | ")})`);
  return hit;
}

const cache = new Map<string, { stamp: string; rows: Row[] }>();

/** Every row of a data file. Parsed files are kept (per path, format and mtime) for the process's life. */
export async function readRows(path: string, opts: ReadOptions = {}): Promise<Row[]> {
  const { format, csv } = formatOf(path, opts.format);
  const csvOpts: CsvOptions = { ...csv, ...Object.fromEntries(Object.entries(opts.csv ?? {}).filter(([, v]) => v !== undefined)) };
  const stamp = `${fileStamp(path)}\0${format}\0${JSON.stringify(csvOpts)}`;
  const hit = cache.get(path);
  if (hit && hit.stamp === stamp) return hit.rows;
  const rows =
    format === "jsonl"
      ? readJsonl(path)
      : format === "json"
        ? readJson(path)
        : format === "csv"
          ? readCsv(path, csvOpts)
          : await readParquet(path);
  cache.set(path, { stamp, rows });
  return rows;
}

function fileStamp(path: string): string {
  try {
    const s = statSync(path);
    if (!s.isFile()) throw new UserError(`${path}: ${notRegularFile(path)}, not a regular file`);
    return `${s.mtimeMs}:${s.size}`;
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${path}: no such file`);
  }
}

const hashes = new Map<string, { stamp: string; sha256: string }>();

/** fileSha256Sync of a task data file, remembered per mtime and size (a task reads its files many times). */
export function dataFileSha256(path: string): string {
  const stamp = fileStamp(path);
  const hit = hashes.get(path);
  if (hit && hit.stamp === stamp) return hit.sha256;
  const sha256 = fileSha256Sync(path);
  hashes.set(path, { stamp, sha256 });
  return sha256;
}
