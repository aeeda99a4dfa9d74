import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { UserError } from "../../errors.js";
import type { Row } from "./rows.js";

/**
 * Apache Parquet through hyparquet (snappy built in; gzip, zstd, brotli and lz4 from hyparquet-compressors),
 * nested lists and structs assembled into arrays and objects. 64-bit integers become numbers when exact,
 * else decimal strings, so rows stay plain JSON (they are stored with the questions).
 */
export async function readParquet(path: string): Promise<Row[]> {
  let objects: Record<string, unknown>[];
  try {
    objects = await parquetReadObjects({ file: await asyncBufferFromFile(path), compressors });
  } catch (e) {
    throw new UserError(`${path}: not a readable Parquet file (${(e as Error).message})`);
  }
  return objects.map((o, index) => ({ index, where: `${path}: row ${index + 1}`, value: plain(o) as Record<string, unknown> }));
}

function plain(v: unknown): unknown {
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}
