/**
 * A bounded GGUF header reader in pure TypeScript: magic, version, metadata and tensor infos, every count
 * and length checked against what the file can hold before anything is allocated, and every tensor's data
 * inside the file. Every model file is read through it before node-llama-cpp or our trainer sees it, so a
 * hostile or broken file (a 24-byte file claiming 2^63 tensors, a truncated download, a JSON file named
 * .gguf) is a UserError naming the file and the problem, never a hang or an internal error.
 * Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md; the checks follow ggml's gguf.cpp.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { UserError } from "../errors.js";

/** GGUF metadata value type ids (gguf.h); the writer in src/models uses them too. */
export const GGUF_VALUE_TYPE = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
} as const;
const VT = GGUF_VALUE_TYPE;

/** The fixed-size numeric value types: bytes, and the Buffer methods that read and write them (little-endian). */
export const GGUF_NUMBERS = {
  u8: { bytes: 1, read: "readUInt8", write: "writeUInt8" },
  i8: { bytes: 1, read: "readInt8", write: "writeInt8" },
  u16: { bytes: 2, read: "readUInt16LE", write: "writeUInt16LE" },
  i16: { bytes: 2, read: "readInt16LE", write: "writeInt16LE" },
  u32: { bytes: 4, read: "readUInt32LE", write: "writeUInt32LE" },
  i32: { bytes: 4, read: "readInt32LE", write: "writeInt32LE" },
  f32: { bytes: 4, read: "readFloatLE", write: "writeFloatLE" },
  f64: { bytes: 8, read: "readDoubleLE", write: "writeDoubleLE" },
  u64: { bytes: 8, read: "readBigUInt64LE", write: "writeBigUInt64LE" },
  i64: { bytes: 8, read: "readBigInt64LE", write: "writeBigInt64LE" },
} as const satisfies Record<string, { bytes: number; read: keyof Buffer; write: keyof Buffer }>;
export type GgufNumberType = keyof typeof GGUF_NUMBERS;
/** What reading a numeric type gives: a bigint for the 64-bit integers, else a number. */
type NumberOf<K extends GgufNumberType> = ReturnType<Buffer[(typeof GGUF_NUMBERS)[K]["read"]]>;

export type GgufValue = string | number | bigint | boolean | GgufValue[];

/** One tensor of a GGUF file: what it is and where its bytes are. */
export interface GgufTensorEntry {
  name: string;
  /** ggml type id. */
  type: number;
  ne: [number, number, number, number];
  nDims: number;
  /** Absolute byte offset of the data in the file. */
  offset: number;
  size: number;
}

export interface GgufHeader {
  path: string;
  version: number;
  alignment: number;
  /** Absolute offset of the data section. */
  dataOffset: number;
  fileSize: number;
  /** Keys in file order, with their GGUF value type (arrays: VT.array) and value. */
  metadata: Map<string, { type: number; value: GgufValue }>;
  tensors: GgufTensorEntry[];
}

/** ggml's type traits (ggml.c): [name, elements per block, bytes per block]; undefined = removed id. */
const GGML_TYPES: ReadonlyArray<readonly [string, number, number] | undefined> = [
  ["F32", 1, 4],
  ["F16", 1, 2],
  ["Q4_0", 32, 18],
  ["Q4_1", 32, 20],
  undefined,
  undefined,
  ["Q5_0", 32, 22],
  ["Q5_1", 32, 24],
  ["Q8_0", 32, 34],
  ["Q8_1", 32, 36],
  ["Q2_K", 256, 84],
  ["Q3_K", 256, 110],
  ["Q4_K", 256, 144],
  ["Q5_K", 256, 176],
  ["Q6_K", 256, 210],
  ["Q8_K", 256, 292],
  ["IQ2_XXS", 256, 66],
  ["IQ2_XS", 256, 74],
  ["IQ3_XXS", 256, 98],
  ["IQ1_S", 256, 50],
  ["IQ4_NL", 32, 18],
  ["IQ3_S", 256, 110],
  ["IQ2_S", 256, 82],
  ["IQ4_XS", 256, 136],
  ["I8", 1, 1],
  ["I16", 1, 2],
  ["I32", 1, 4],
  ["I64", 1, 8],
  ["F64", 1, 8],
  ["IQ1_M", 256, 56],
  ["BF16", 1, 2],
  undefined,
  undefined,
  undefined,
  ["TQ1_0", 256, 54],
  ["TQ2_0", 256, 66],
  undefined,
  undefined,
  undefined,
  ["MXFP4", 32, 17],
  ["NVFP4", 64, 36],
  ["Q1_0", 128, 18],
  ["Q2_0", 64, 18],
];

/** [name, block, bytes per block] of a ggml type id, or undefined when ggml does not know it. */
export function ggmlTypeTraits(type: number): { name: string; blockSize: number; typeSize: number } | undefined {
  const t = GGML_TYPES[type];
  return t && { name: t[0], blockSize: t[1], typeSize: t[2] };
}

const MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
const SUPPORTED_VERSIONS = [2, 3];
const MAX_DIMS = 4;
const MAX_TENSOR_NAME = 63; // GGML_MAX_NAME - 1 (the name is stored NUL-terminated in a 64-byte field)
const DEFAULT_ALIGNMENT = 32;
/** Longest string value we read (chat templates and embedded tokenizer JSON are far shorter). */
const MAX_STRING = 256 << 20;
const TYPE_NAMES = Object.fromEntries(Object.entries(VT).map(([k, v]) => [v, k])) as Record<number, string>;
/** The numeric type of a value type id, if it is one. */
const numberType = (type: number): GgufNumberType | undefined => {
  const name = TYPE_NAMES[type];
  return name !== undefined && name in GGUF_NUMBERS ? (name as GgufNumberType) : undefined;
};
/** Bytes of each scalar GGUF value type (strings: at least their 8-byte length). */
const SCALAR_BYTES: Record<number, number> = {
  ...Object.fromEntries(Object.entries(GGUF_NUMBERS).map(([k, t]) => [VT[k as GgufNumberType], t.bytes])),
  [VT.bool]: 1,
  [VT.string]: 8,
};

/** A file that is not a well-formed GGUF: the message names the file and what is wrong with it. */
export class GgufFormatError extends UserError {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

class Problem extends Error {}

/** Reads forward through the file in windows, never past its end and never more than it holds. */
class Cursor {
  pos = 0;
  private buf = Buffer.alloc(0);
  private bufStart = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  get remaining(): number {
    return this.size - this.pos;
  }

  /** Makes `n` bytes at the cursor readable; a file that ends first is truncated. */
  private need(n: number, what: string): Buffer {
    if (n > this.remaining)
      throw new Problem(`truncated: ${what} needs ${n} bytes at offset ${this.pos}, the file has ${this.remaining} left`);
    const end = this.pos + n;
    if (this.pos < this.bufStart || end > this.bufStart + this.buf.length) {
      const len = Math.min(Math.max(n, 1 << 20), this.remaining);
      const buf = Buffer.allocUnsafe(len);
      let done = 0;
      while (done < len) {
        const r = readSync(this.fd, buf, done, len - done, this.pos + done);
        if (r <= 0) throw new Problem(`truncated: the file ended at offset ${this.pos + done} while reading ${what}`);
        done += r;
      }
      this.buf = buf;
      this.bufStart = this.pos;
    }
    return this.buf;
  }

  private at(n: number, what: string): [Buffer, number] {
    const b = this.need(n, what);
    const off = this.pos - this.bufStart;
    this.pos += n;
    return [b, off];
  }

  /** A fixed-size number. */
  read<K extends GgufNumberType>(type: K, what: string): NumberOf<K> {
    const { bytes, read } = GGUF_NUMBERS[type];
    const [b, o] = this.at(bytes, what);
    return b[read](o) as NumberOf<K>;
  }

  /** A count or length that must fit in what is left of the file at `minBytes` bytes per item. */
  count(what: string, minBytes: number): number {
    const n = this.read("u64", what);
    const room = BigInt(Math.floor(this.remaining / minBytes));
    if (n > room)
      throw new Problem(`${what} is ${n}, more than the ${this.remaining} bytes left in the file can hold (corrupt or truncated)`);
    return Number(n);
  }

  str(what: string): string {
    const n = this.count(`length of ${what}`, 1);
    if (n > MAX_STRING) throw new Problem(`${what} claims ${n} bytes (strings are at most ${MAX_STRING})`);
    if (n === 0) return "";
    const [b, o] = this.at(n, what);
    return b.toString("utf8", o, o + n);
  }
}

const asNumber = (v: bigint): number | bigint =>
  v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;

function readScalar(c: Cursor, type: number, what: string): GgufValue {
  if (type === VT.bool) {
    const b = c.read("u8", what);
    if (b > 1) throw new Problem(`${what} is a bool holding ${b} (must be 0 or 1)`);
    return b === 1;
  }
  if (type === VT.string) return c.str(what);
  const number = numberType(type);
  if (number === undefined) throw new Problem(`${what} has unknown value type ${type}`);
  const v = c.read(number, what);
  return typeof v === "bigint" ? asNumber(v) : v;
}

function readHeader(c: Cursor, path: string): GgufHeader {
  if (c.size < 4) throw new Problem(`not a GGUF file: it has ${c.size} bytes`);
  const magic = c.read("u32", "magic");
  if (magic !== MAGIC) {
    const head = Buffer.alloc(4);
    head.writeUInt32LE(magic);
    throw new Problem(`not a GGUF file: it starts with ${JSON.stringify(head.toString("latin1"))}, not "GGUF"`);
  }
  const version = c.read("u32", "version");
  if (!SUPPORTED_VERSIONS.includes(version))
    throw new Problem(`GGUF version ${version} is not supported (supported: ${SUPPORTED_VERSIONS.join(", ")})`);
  // Smallest possible entries: a tensor info is a name length + n_dims + type + offset; a key/value a
  // 1-byte key + its length + type + a 1-byte value. Counts beyond what the rest of the file can hold are lies.
  const nTensors = c.count("tensor count", 8 + 4 + 4 + 8);
  const nKv = c.count("metadata count", 8 + 1 + 4 + 1);

  const metadata = new Map<string, { type: number; value: GgufValue }>();
  for (let i = 0; i < nKv; i++) {
    const key = c.str(`metadata key ${i}`);
    if (key === "") throw new Problem(`metadata key ${i} is empty`);
    if (metadata.has(key)) throw new Problem(`metadata key "${key}" appears twice`);
    const type = c.read("u32", `type of ${key}`);
    if (type === VT.array) {
      const itemType = c.read("u32", `item type of ${key}`);
      if (itemType === VT.array) throw new Problem(`metadata ${key} is an array of arrays (not allowed in GGUF)`);
      const itemBytes = SCALAR_BYTES[itemType];
      if (itemBytes === undefined) throw new Problem(`metadata ${key} is an array of unknown value type ${itemType}`);
      const n = c.count(`length of ${key}`, itemBytes);
      const out: GgufValue[] = new Array(n);
      for (let k = 0; k < n; k++) out[k] = readScalar(c, itemType, `${key}[${k}]`);
      metadata.set(key, { type, value: out });
    } else {
      if (SCALAR_BYTES[type] === undefined) throw new Problem(`metadata ${key} has unknown value type ${type}`);
      metadata.set(key, { type, value: readScalar(c, type, key) });
    }
  }

  const align = metadata.get("general.alignment");
  if (align && align.type !== VT.u32) throw new Problem(`general.alignment must be a u32, not ${TYPE_NAMES[align.type] ?? align.type}`);
  const alignment = align ? (align.value as number) : DEFAULT_ALIGNMENT;
  if (alignment === 0 || (alignment & (alignment - 1)) !== 0) throw new Problem(`general.alignment ${alignment} is not a power of 2`);

  const infos: Array<Omit<GgufTensorEntry, "offset"> & { rel: bigint }> = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const name = c.str(`name of tensor ${i}`);
    if (Buffer.byteLength(name) > MAX_TENSOR_NAME) throw new Problem(`tensor ${i}'s name is longer than ${MAX_TENSOR_NAME} bytes`);
    if (names.has(name)) throw new Problem(`tensor "${name}" appears twice`);
    names.add(name);
    const nDims = c.read("u32", `dimensions of ${name}`);
    if (nDims > MAX_DIMS) throw new Problem(`tensor ${name} has ${nDims} dimensions (at most ${MAX_DIMS})`);
    const ne: [number, number, number, number] = [1, 1, 1, 1];
    let elements = 1n;
    for (let d = 0; d < nDims; d++) {
      const v = c.read("i64", `dimension ${d} of ${name}`);
      if (v < 0n) throw new Problem(`tensor ${name} has a negative dimension ${v}`);
      elements *= v;
      if (elements > BigInt(Number.MAX_SAFE_INTEGER)) throw new Problem(`tensor ${name} claims more than 2^53 elements`);
      ne[d] = Number(v);
    }
    const type = c.read("u32", `type of ${name}`);
    const traits = ggmlTypeTraits(type);
    if (!traits) throw new Problem(`tensor ${name} has unknown ggml type ${type}`);
    if (ne[0] % traits.blockSize !== 0)
      throw new Problem(`tensor ${name}: ${ne[0]} elements per row is not a multiple of ${traits.name}'s block of ${traits.blockSize}`);
    const size = (Number(elements) / traits.blockSize) * traits.typeSize;
    const rel = c.read("u64", `data offset of ${name}`);
    infos.push({ name, type, ne, nDims: Math.max(nDims, 1), size, rel });
  }

  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  const tensors: GgufTensorEntry[] = [];
  let expected = 0;
  for (const t of infos) {
    // ggml's loader requires each tensor right after the previous one, padded to the alignment.
    if (t.rel !== BigInt(expected)) throw new Problem(`tensor ${t.name} has data offset ${t.rel}, expected ${expected}`);
    const offset = dataOffset + expected;
    if (offset + t.size > c.size)
      throw new Problem(`truncated: tensor ${t.name} needs bytes ${offset}..${offset + t.size}, the file has ${c.size}`);
    tensors.push({ name: t.name, type: t.type, ne: t.ne, nDims: t.nDims, offset, size: t.size });
    expected += Math.ceil(t.size / alignment) * alignment;
  }
  return { path, version, alignment, dataOffset, fileSize: c.size, metadata, tensors };
}

/**
 * Reads and checks the header of the GGUF at `path`. Throws GgufFormatError (a UserError) naming the file
 * and the problem; `role` (e.g. "model.base", "--model") prefixes the message.
 */
export function readGgufHeader(path: string, role?: string): GgufHeader {
  const fail = (problem: string): never => {
    throw new GgufFormatError(role ? `${role}: ${path}` : path, problem);
  };
  // stat before open: opening a FIFO (or a device) for reading blocks the main thread, past any signal.
  let pre: ReturnType<typeof statSync> | undefined;
  try {
    pre = statSync(path);
  } catch {
    // openSync below says why
  }
  if (pre && !pre.isFile() && !pre.isDirectory()) return fail(`is ${pre.isFIFO() ? "a FIFO" : "not a regular file"}, not a GGUF file`);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(
      code === "ENOENT"
        ? "GGUF file not found"
        : code === "EISDIR"
          ? "is a folder, not a GGUF file"
          : `cannot read it (${code ?? (e as Error).message})`,
    );
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return fail("is a folder, not a GGUF file");
    if (!st.isFile()) return fail("is not a regular file");
    return readHeader(new Cursor(fd, st.size), path);
  } catch (e) {
    if (e instanceof Problem) return fail(e.message);
    throw e;
  } finally {
    closeSync(fd);
  }
}
