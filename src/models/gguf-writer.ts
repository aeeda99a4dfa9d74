import { writeSync } from "node:fs";
import { GGUF_NUMBERS, GGUF_VALUE_TYPE, type GgufNumberType } from "../formats/gguf-header.js";
import { replaceFileWith } from "../util/atomic-file.js";

/**
 * A pure-TypeScript GGUF v3 writer: typed key/value metadata, tensor infos, aligned F32/F16 data.
 * Written to a temp file and renamed, so a reader never sees a half-written model.
 * Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
 */

const VT = GGUF_VALUE_TYPE;

type Scalar =
  | { type: Exclude<GgufNumberType, "u64" | "i64">; value: number }
  | { type: "u64" | "i64"; value: bigint | number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string };
type ArrayValue =
  | { type: "array"; itemType: "string"; value: readonly string[] }
  | { type: "array"; itemType: "u32" | "i32" | "f32"; value: ArrayLike<number> };
export type GgufValue = Scalar | ArrayValue;

/** Constructors for typed metadata values, e.g. `{ "llama.block_count": gguf.u32(4) }`. */
export const gguf = {
  str: (value: string): GgufValue => ({ type: "string", value }),
  u32: (value: number): GgufValue => ({ type: "u32", value }),
  i32: (value: number): GgufValue => ({ type: "i32", value }),
  u64: (value: bigint | number): GgufValue => ({ type: "u64", value }),
  f32: (value: number): GgufValue => ({ type: "f32", value }),
  bool: (value: boolean): GgufValue => ({ type: "bool", value }),
  strings: (value: readonly string[]): GgufValue => ({ type: "array", itemType: "string", value }),
  f32s: (value: ArrayLike<number>): GgufValue => ({ type: "array", itemType: "f32", value }),
  i32s: (value: ArrayLike<number>): GgufValue => ({ type: "array", itemType: "i32", value }),
  u32s: (value: ArrayLike<number>): GgufValue => ({ type: "array", itemType: "u32", value }),
};

/** ggml tensor type ids for the types we write. */
export const GGML_TYPE = { F32: 0, F16: 1 } as const;
export type TensorType = keyof typeof GGML_TYPE;

/** Tensor values: F32 (converted when the type is F16), or F16 bit patterns for an F16 tensor. */
export type TensorData = Float32Array | Uint16Array;

export interface GgufTensor {
  name: string;
  /** ggml order: ne[0] (the contiguous, fastest-varying dimension) first. */
  shape: readonly number[];
  /** Storage type in the file; data is given as F32 and converted when F16. */
  type: TensorType;
  /** The values, or a function making them when the tensor is written (one tensor in memory at a time). */
  data: TensorData | (() => TensorData);
}

export interface GgufFile {
  metadata: Record<string, GgufValue>;
  tensors: readonly GgufTensor[];
  /** Data alignment in bytes; written as general.alignment. Default 32. */
  alignment?: number;
}

/** Growable little-endian byte sink for the header part. */
class ByteSink {
  private buf = Buffer.alloc(1 << 16);
  length = 0;
  private ensure(n: number) {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  /** A fixed-size number; a 64-bit integer may be given as a number. */
  put(type: GgufNumberType, v: number | bigint) {
    const { bytes, write } = GGUF_NUMBERS[type];
    this.ensure(bytes);
    const big = type === "u64" || type === "i64";
    // One signature for the ten writers: each takes (value, offset), a bigint exactly for the 64-bit integers.
    (this.buf[write] as (value: number | bigint, offset: number) => number).call(this.buf, big ? BigInt(v) : v, this.length);
    this.length += bytes;
  }
  str(s: string) {
    const b = Buffer.from(s, "utf8");
    this.put("u64", b.length);
    this.ensure(b.length);
    b.copy(this.buf, this.length);
    this.length += b.length;
  }
  pad(alignment: number) {
    while (this.length % alignment !== 0) this.put("u8", 0);
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function writeScalar(sink: ByteSink, v: Scalar) {
  if (v.type === "string") sink.str(v.value);
  else if (v.type === "bool") sink.put("u8", v.value ? 1 : 0);
  else sink.put(v.type, v.value);
}

function checkValue(key: string, v: GgufValue) {
  const ints: Record<string, [number, number]> = {
    u8: [0, 255],
    i8: [-128, 127],
    u16: [0, 65535],
    i16: [-32768, 32767],
    u32: [0, 2 ** 32 - 1],
    i32: [-(2 ** 31), 2 ** 31 - 1],
  };
  const range = ints[v.type];
  if (range && (!Number.isInteger(v.value) || (v.value as number) < range[0] || (v.value as number) > range[1]))
    throw new RangeError(`gguf metadata ${key}: ${String(v.value)} is not a valid ${v.type}`);
  if (v.type === "array" && v.itemType !== "string" && v.itemType !== "f32") {
    for (let i = 0; i < v.value.length; i++) {
      const x = v.value[i]!;
      const r = ints[v.itemType]!;
      if (!Number.isInteger(x) || x < r[0] || x > r[1])
        throw new RangeError(`gguf metadata ${key}[${i}]: ${x} is not a valid ${v.itemType}`);
    }
  }
}

/** Serializes header, metadata and tensor infos (padded to the alignment); returns it with each tensor's data offset. */
export function encodeGgufHeader(file: GgufFile): { header: Buffer; offsets: number[]; sizes: number[] } {
  const alignment = file.alignment ?? 32;
  const metadata: Record<string, GgufValue> = { ...file.metadata, "general.alignment": gguf.u32(alignment) };
  const names = new Set<string>();
  for (const t of file.tensors) {
    if (names.has(t.name)) throw new Error(`gguf: duplicate tensor name ${t.name}`);
    names.add(t.name);
    if (typeof t.data !== "function") checkData(t, t.data);
    if (Buffer.byteLength(t.name) > 63) throw new Error(`gguf: tensor name ${t.name} is longer than 63 bytes`);
  }
  const sink = new ByteSink();
  sink.put("u32", 0x46554747); // "GGUF"
  sink.put("u32", 3);
  sink.put("u64", file.tensors.length);
  sink.put("u64", Object.keys(metadata).length);
  for (const [key, v] of Object.entries(metadata)) {
    checkValue(key, v);
    sink.str(key);
    if (v.type === "array") {
      sink.put("u32", VT.array);
      sink.put("u32", VT[v.itemType]);
      sink.put("u64", v.value.length);
      for (let i = 0; i < v.value.length; i++) {
        if (v.itemType === "string") sink.str(v.value[i] as string);
        else sink.put(v.itemType, v.value[i] as number);
      }
    } else {
      sink.put("u32", VT[v.type]);
      writeScalar(sink, v);
    }
  }
  const offsets: number[] = [];
  const sizes: number[] = [];
  let offset = 0;
  for (const t of file.tensors) {
    sink.str(t.name);
    sink.put("u32", t.shape.length);
    for (const d of t.shape) sink.put("u64", d);
    sink.put("u32", GGML_TYPE[t.type]);
    sink.put("u64", offset);
    offsets.push(offset);
    const size = t.shape.reduce((a, b) => a * b, 1) * (t.type === "F32" ? 4 : 2);
    sizes.push(size);
    offset += Math.ceil(size / alignment) * alignment;
  }
  sink.pad(alignment);
  return { header: Buffer.from(sink.bytes()), offsets, sizes };
}

/** IEEE-754 half from a float, round-to-nearest-even (Node 20 has no Float16Array). */
const F16_SCRATCH = new Float32Array(1);
const F16_SCRATCH_U = new Uint32Array(F16_SCRATCH.buffer);

export function f32ToF16Bits(value: number): number {
  const f = F16_SCRATCH;
  const u = F16_SCRATCH_U;
  f[0] = value;
  const x = u[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → ±0
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++; // may carry into the exponent: still correct
  return sign | half;
}

function checkData(t: GgufTensor, data: TensorData): void {
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new Error(`gguf: tensor ${t.name} shape [${t.shape.join(", ")}] needs ${n} values, got ${data.length}`);
  if (data instanceof Uint16Array && t.type !== "F16") throw new Error(`gguf: tensor ${t.name} is ${t.type} but was given F16 bits`);
}

function tensorBytes(t: GgufTensor): Buffer {
  const data = typeof t.data === "function" ? t.data() : t.data;
  checkData(t, data);
  if (t.type === "F32" || data instanceof Uint16Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = f32ToF16Bits(data[i]!);
  return Buffer.from(out.buffer);
}

/** Writes a GGUF file atomically (util/atomic-file.ts: temp file in the same folder, fsync, rename). */
export function writeGguf(path: string, file: GgufFile): void {
  const alignment = file.alignment ?? 32;
  const { header, sizes } = encodeGgufHeader(file);
  replaceFileWith(path, (fd) => {
    writeSync(fd, header);
    const zeros = Buffer.alloc(alignment);
    file.tensors.forEach((t, i) => {
      writeSync(fd, tensorBytes(t));
      const pad = (alignment - (sizes[i]! % alignment)) % alignment;
      if (pad) writeSync(fd, zeros, 0, pad);
    });
  });
}
