import { readFileSync } from "node:fs";
import { UserError } from "../../errors.js";
import type { Row } from "./rows.js";

/**
 * CSV (RFC 4180): quoted fields may hold delimiters, doubled quotes and line breaks (kept as written).
 * The first record names the columns unless `columns` names them (a file without a header row).
 */
export interface CsvOptions {
  delimiter?: string;
  /** Column names for a file without a header row. */
  columns?: string[];
}

export function readCsv(path: string, opts: CsvOptions = {}): Row[] {
  const delimiter = opts.delimiter ?? ",";
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n")
    throw new UserError(`${path}: CSV delimiter must be one character (not a quote or newline), got ${JSON.stringify(delimiter)}`);
  const records = parseCsv(readFileSync(path, "utf8").replace(/^\uFEFF/, ""), delimiter, path);
  let names = opts.columns;
  let body = records;
  if (!names) {
    const header = records[0];
    if (!header) return [];
    names = header.fields.map((f) => f.trim());
    const seen = new Set<string>();
    for (const n of names) {
      if (!n) throw new UserError(`${path}:${header.line}: header has an empty column name (a file without a header needs "columns:")`);
      if (seen.has(n)) throw new UserError(`${path}:${header.line}: header names column "${n}" twice`);
      seen.add(n);
    }
    body = records.slice(1);
  }
  return body.map((r, index) => {
    const where = `${path}:${r.line}`;
    if (r.fields.length !== names.length)
      throw new UserError(`${where}: ${r.fields.length} field(s), expected ${names.length} (${names.join(", ")})`);
    const value: Record<string, unknown> = {};
    names.forEach((n, i) => (value[n] = r.fields[i]));
    return { index, where, line: r.line, value };
  });
}

interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  fields: string[];
}

function parseCsv(text: string, delimiter: string, path: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let start = 1;
  let i = 0;
  let atFieldStart = true;
  const endRecord = () => {
    fields.push(field);
    // A blank line is not a record.
    if (!(fields.length === 1 && fields[0] === "")) records.push({ line: start, fields });
    fields = [];
    field = "";
    atFieldStart = true;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (atFieldStart && c === '"') {
      const opened = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new UserError(`${path}:${opened}: unterminated quoted field`);
        const q = text[i]!;
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === "\n") line++;
        field += q;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== delimiter && next !== "\n" && !(next === "\r" && text[i + 1] === "\n")) {
        throw new UserError(`${path}:${line}: text after a closing quote (a quote inside a field must be doubled)`);
      }
      atFieldStart = false;
      continue;
    }
    if (c === delimiter) {
      fields.push(field);
      field = "";
      atFieldStart = true;
      i++;
    } else if (c === "\n" || (c === "\r" && text[i + 1] === "\n")) {
      endRecord();
      i += c === "\r" ? 2 : 1;
      line++;
      start = line;
    } else {
      field += c;
      atFieldStart = false;
      i++;
    }
  }
  if (field !== "" || fields.length > 0) endRecord();
  return records;
}
