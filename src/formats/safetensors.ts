import { readFileSync, writeSync } from "node:fs";
import { UserError } from "../errors.js";
import { replaceFileWith } from "../util/atomic-file.js";

/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
 * length N, N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`
 * (padded with spaces to a multiple of 8, as the reference writer does), then the tensors' bytes, row-major
 * (C order), offsets relative to the end of the header, with no holes.
 */

export type SafetensorsDtype = "F32" | "F16" | "BF16";
const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };

export interface SafetensorsTensor {
  name: string;
  dtype: SafetensorsDtype;
  /** Row-major shape (PyTorch order: the last dimension is contiguous). */
  shape: number[];
  /** The raw little-endian bytes. */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  /** In header order. */
  tensors: SafetensorsTensor[];
}

/** Writes tensors (in the order given) atomically: temp file in the same folder, fsync, rename. */
export function writeSafetensors(path: string, file: SafetensorsFile): void {
  const header: Record<string, unknown> = {};
  if (Object.keys(file.metadata).length > 0) header.__metadata__ = file.metadata;
  let offset = 0;
  for (const t of file.tensors) {
    if (t.name === "__metadata__" || t.name in header) throw new Error(`safetensors: duplicate or reserved tensor name ${t.name}`);
    const want = t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype];
    if (t.bytes.byteLength !== want)
      throw new Error(`safetensors: ${t.name} has ${t.bytes.byteLength} bytes, shape [${t.shape}] ${t.dtype} needs ${want}`);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + want] };
    offset += want;
  }
  let json = Buffer.from(JSON.stringify(header), "utf8");
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  replaceFileWith(path, (fd) => {
    writeSync(fd, len);
    writeSync(fd, json);
    for (const t of file.tensors) writeSync(fd, t.bytes);
  });
}

/** Reads and validates a safetensors file; every problem is a UserError naming the file and the tensor. */
export function readSafetensors(path: string): SafetensorsFile {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const bad = (why: string) => new UserError(`${path}: not a valid safetensors file (${why})`);
  if (buf.length < 8) throw bad("shorter than its 8-byte header length");
  const n = buf.readBigUInt64LE(0);
  if (n > BigInt(buf.length - 8) || n > 100_000_000n) throw bad(`header length ${n} exceeds the file`);
  let header: Record<string, any>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + Number(n)).toString("utf8"));
  } catch {
    throw bad("the header is not JSON");
  }
  if (!header || typeof header !== "object" || Array.isArray(header)) throw bad("the header is not a JSON object");
  const dataStart = 8 + Number(n);
  const dataLen = buf.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors: SafetensorsTensor[] = [];
  const spans: [number, number, string][] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (!info || typeof info !== "object") throw bad("__metadata__ is not an object");
      for (const [k, v] of Object.entries(info)) if (typeof v === "string") metadata[k] = v;
      continue;
    }
    const { dtype, shape, data_offsets: off } = info ?? {};
    if (!(dtype in DTYPE_BYTES)) throw new UserError(`${path}: tensor ${name} has dtype ${dtype}; only F32, F16 and BF16 are supported`);
    if (!Array.isArray(shape) || shape.some((d: unknown) => !Number.isInteger(d) || (d as number) < 0))
      throw bad(`tensor ${name} has an invalid shape`);
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !Number.isInteger(off[0]) ||
      !Number.isInteger(off[1]) ||
      off[0] < 0 ||
      off[1] < off[0] ||
      off[1] > dataLen
    ) {
      throw bad(`tensor ${name} has invalid data_offsets`);
    }
    const want = shape.reduce((a: number, b: number) => a * b, 1) * DTYPE_BYTES[dtype as SafetensorsDtype];
    if (off[1] - off[0] !== want)
      throw bad(`tensor ${name}: data_offsets span ${off[1] - off[0]} bytes, shape [${shape}] ${dtype} needs ${want}`);
    spans.push([off[0], off[1], name]);
    tensors.push({ name, dtype, shape, bytes: new Uint8Array(buf.buffer, buf.byteOffset + dataStart + off[0], want) });
  }
  spans.sort((a, b) => a[0] - b[0]);
  let end = 0;
  for (const [b, e, name] of spans) {
    if (b !== end) throw bad(`tensor ${name} ${b < end ? "overlaps another" : "leaves a hole before it"}`);
    end = e;
  }
  if (end !== dataLen) throw bad(`${dataLen - end} bytes after the last tensor`);
  return { metadata, tensors };
}
