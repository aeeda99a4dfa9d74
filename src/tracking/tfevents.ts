import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

/**
 * TensorBoard event files: TFRecord framing of tensorflow.Event protos (tensorboard/compat/proto/event.proto,
 * summary.proto). Each record is u64 length, u32 masked CRC32C of the length bytes, the data, u32 masked
 * CRC32C of the data; the first event holds file_version "brain.Event:2". Only what scalars and text need.
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1; // Castagnoli, reflected
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 and add a constant, so CRCs of CRCs do not degenerate. */
export function maskedCrc32c(data: Uint8Array): number {
  const c = crc32c(data);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** A minimal protobuf writer (wire types 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32). */
class Proto {
  private parts: Uint8Array[] = [];
  private varint(v: bigint): void {
    const out: number[] = [];
    let x = BigInt.asUintN(64, v);
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      out.push(b);
    } while (x > 0n);
    this.parts.push(Uint8Array.from(out));
  }
  private key(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }
  int(field: number, v: number | bigint): this {
    this.key(field, 0);
    this.varint(BigInt(v));
    return this;
  }
  double(field: number, v: number): this {
    this.key(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.parts.push(b);
    return this;
  }
  float(field: number, v: number): this {
    this.key(field, 5);
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.parts.push(b);
    return this;
  }
  bytes(field: number, v: Uint8Array | string): this {
    const b = typeof v === "string" ? Buffer.from(v, "utf8") : v;
    this.key(field, 2);
    this.varint(BigInt(b.length));
    this.parts.push(b);
    return this;
  }
  message(field: number, m: Proto): this {
    return this.bytes(field, m.finish());
  }
  finish(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

export interface ScalarPoint {
  tag: string;
  step: number;
  value: number;
  /** Seconds since the epoch. */
  wallTime: number;
}

/** Event{wall_time=1, step=2, summary=5{value=1{tag=1, simple_value=2}}}. */
export function scalarEvent(p: ScalarPoint): Uint8Array {
  const value = new Proto().bytes(1, p.tag).float(2, p.value);
  return new Proto().double(1, p.wallTime).int(2, p.step).message(5, new Proto().message(1, value)).finish();
}

/** A text summary: Value{tag, metadata=9{plugin_data=1{plugin_name="text"}}, tensor=8{dtype=DT_STRING(7), shape, string_val=8}}. */
export function textEvent(tag: string, text: string, step: number, wallTime: number): Uint8Array {
  const metadata = new Proto().message(1, new Proto().bytes(1, "text"));
  const tensor = new Proto().int(1, 7).message(2, new Proto()).bytes(8, text);
  const value = new Proto().bytes(1, tag).message(9, metadata).message(8, tensor);
  return new Proto().double(1, wallTime).int(2, step).message(5, new Proto().message(1, value)).finish();
}

export function record(data: Uint8Array): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(data.length));
  const crcLen = Buffer.alloc(4);
  crcLen.writeUInt32LE(maskedCrc32c(len));
  const crcData = Buffer.alloc(4);
  crcData.writeUInt32LE(maskedCrc32c(data));
  return Buffer.concat([len, crcLen, data, crcData]);
}

/** One events.out.tfevents.* file in `dir` (a new file per writer; TensorBoard reads all files of a folder). */
export class EventFileWriter {
  readonly path: string;

  constructor(dir: string, now = Date.now()) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, `events.out.tfevents.${Math.floor(now / 1000)}.${hostname()}.${process.pid}.${now % 1000}`);
    writeFileSync(
      this.path,
      record(
        new Proto()
          .double(1, now / 1000)
          .bytes(3, "brain.Event:2")
          .finish(),
      ),
    );
  }

  write(events: readonly Uint8Array[]): void {
    if (events.length) appendFileSync(this.path, Buffer.concat(events.map(record)));
  }
}
