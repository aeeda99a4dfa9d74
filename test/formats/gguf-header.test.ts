/**
 * The bounded GGUF header reader: it reads back what our writer writes (every value type), agrees with
 * ggml's own reader and type table, and refuses hostile, broken and non-GGUF files quickly, naming the
 * file and what is wrong.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { GgufFormatError, ggmlTypeTraits, readGgufHeader } from "../../src/formats/gguf-header.js";
import { encodeGgufHeader, gguf, writeGguf } from "../../src/models/gguf-writer.js";
import { loadGgml } from "../../src/training/ggml/ffi/index.js";

const dir = mkdtempSync(join(tmpdir(), "society-gguf-header-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const good = join(dir, "good.gguf");
writeGguf(good, {
  metadata: {
    "general.architecture": gguf.str("llama"),
    "a.u32": gguf.u32(7),
    "a.i32": gguf.i32(-3),
    "a.f32": gguf.f32(0.5),
    "a.u64": gguf.u64(2n ** 60n),
    "a.bool": gguf.bool(true),
    "a.strings": gguf.strings(["x", "", "ünï"]),
    "a.f32s": gguf.f32s([1, 2.5]),
    "a.i32s": gguf.i32s([-1, 4]),
  },
  tensors: [
    { name: "w", shape: [4, 3], type: "F32", data: new Float32Array(12).fill(1) },
    { name: "b", shape: [5], type: "F16", data: new Float32Array(5) },
  ],
});

/** A file of raw bytes built field by field. */
function bytes(...parts: Array<["u32", number] | ["u64", bigint] | ["i64", bigint] | ["str", string] | ["raw", Buffer]>): Buffer {
  return Buffer.concat(
    parts.map(([t, v]) => {
      const b = Buffer.alloc(t === "u32" ? 4 : 8);
      if (t === "u32") b.writeUInt32LE(v as number);
      else if (t === "u64") b.writeBigUInt64LE(v as bigint);
      else if (t === "i64") b.writeBigInt64LE(v as bigint);
      else if (t === "str")
        return Buffer.concat([
          (() => {
            const l = Buffer.alloc(8);
            l.writeBigUInt64LE(BigInt(Buffer.byteLength(v as string)));
            return l;
          })(),
          Buffer.from(v as string),
        ]);
      else return v as Buffer;
      return b;
    }),
  );
}
const MAGIC: ["u32", number] = ["u32", 0x46554747];
const V3: ["u32", number] = ["u32", 3];
/** A v3 file with no metadata and one tensor `t` of these dimensions, ggml type and data offset, then `rest`. */
const oneTensor = (dims: bigint[], type: number, offset: bigint, ...rest: Parameters<typeof bytes>) =>
  bytes(
    MAGIC,
    V3,
    ["u64", 1n],
    ["u64", 0n],
    ["str", "t"],
    ["u32", dims.length],
    ...dims.map((d): ["i64", bigint] => ["i64", d]),
    ["u32", type],
    ["u64", offset],
    ...rest,
  );

function file(name: string, content: Buffer | string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

function problem(path: string): string {
  try {
    readGgufHeader(path);
  } catch (e) {
    expect(e).toBeInstanceOf(GgufFormatError);
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message.startsWith(`${path}: `)).toBe(true);
    return (e as Error).message.slice(path.length + 2);
  }
  throw new Error(`${path} was accepted`);
}

describe("readGgufHeader", () => {
  it("reads back every value type and the tensor directory our writer wrote", () => {
    const h = readGgufHeader(good);
    expect(h.version).toBe(3);
    expect(h.alignment).toBe(32);
    const v = (k: string) => h.metadata.get(k)?.value;
    expect(v("general.architecture")).toBe("llama");
    expect([v("a.u32"), v("a.i32"), v("a.f32"), v("a.bool")]).toEqual([7, -3, 0.5, true]);
    expect(v("a.u64")).toBe(2n ** 60n); // beyond 2^53: kept exact as a bigint
    expect(v("a.strings")).toEqual(["x", "", "ünï"]);
    expect(v("a.f32s")).toEqual([1, 2.5]);
    expect(v("a.i32s")).toEqual([-1, 4]);
    const { header } = encodeGgufHeader({ metadata: {}, tensors: [] });
    expect(header.length).toBeGreaterThan(0);
    expect(h.tensors.map((t) => [t.name, t.type, t.ne, t.nDims, t.size])).toEqual([
      ["w", 0, [4, 3, 1, 1], 2, 48],
      ["b", 1, [5, 1, 1, 1], 1, 10],
    ]);
    expect(h.tensors[0]!.offset).toBe(h.dataOffset);
    expect(h.tensors[1]!.offset).toBe(h.dataOffset + 64); // 48 bytes padded to the alignment
    expect(h.fileSize).toBe(readFileSync(good).length);
  });

  it("agrees with ggml's own reader on the tiny model's keys and tensors", () => {
    const g = loadGgml();
    const ctx = g.gguf.init_from_file(good, { no_alloc: true, ctx: null })!;
    try {
      const h = readGgufHeader(good);
      expect(g.gguf.get_n_kv(ctx)).toBe(h.metadata.size);
      expect(Array.from({ length: g.gguf.get_n_kv(ctx) }, (_, i) => g.gguf.get_key(ctx, i))).toEqual([...h.metadata.keys()]);
      expect(g.gguf.get_data_offset(ctx)).toBe(h.dataOffset);
      h.tensors.forEach((t, i) => {
        expect(g.gguf.get_tensor_name(ctx, i)).toBe(t.name);
        expect(g.gguf.get_tensor_size(ctx, i)).toBe(t.size);
        expect(h.dataOffset + g.gguf.get_tensor_offset(ctx, i)).toBe(t.offset);
      });
    } finally {
      g.gguf.free(ctx);
    }
  });

  it("knows ggml's block and type sizes for every type id the shipped ggml knows", () => {
    const g = loadGgml();
    for (let t = 0; t < 43; t++) {
      const ours = ggmlTypeTraits(t);
      const size = g.core.type_size(t);
      if (size === 0) expect(ours, `type ${t}`).toBeUndefined();
      else expect([ours?.blockSize, ours?.typeSize], `type ${t} (${g.core.type_name(t)})`).toEqual([g.core.blck_size(t), size]);
    }
  });

  it("refuses a 24-byte file claiming 2^63 tensors at once, without reading on", () => {
    const p = file("hostile.gguf", bytes(MAGIC, V3, ["u64", 2n ** 63n], ["u64", 0n]));
    expect(readFileSync(p).length).toBe(24);
    const t0 = performance.now();
    expect(problem(p)).toMatch(
      /^tensor count is 9223372036854775808, more than the 8 bytes left in the file can hold \(corrupt or truncated\)$/,
    );
    expect(performance.now() - t0).toBeLessThan(1000);
    const kv = file("hostile-kv.gguf", bytes(MAGIC, V3, ["u64", 0n], ["u64", 2n ** 62n], ["raw", Buffer.alloc(100)]));
    expect(problem(kv)).toMatch(/^metadata count is 4611686018427387904, more than the 100 bytes left/);
  });

  it("names what is wrong with non-GGUF, truncated and malformed files", () => {
    const whole = readFileSync(good);
    const cases: Array<[string, Buffer | string, RegExp]> = [
      ["json.gguf", '{"not": "a model"}', /^not a GGUF file: it starts with "\{\\"no", not "GGUF"$/],
      ["empty.gguf", "", /^not a GGUF file: it has 0 bytes$/],
      ["v1.gguf", bytes(MAGIC, ["u32", 1], ["u64", 0n], ["u64", 0n]), /^GGUF version 1 is not supported/],
      ["cut-header.gguf", whole.subarray(0, 60), /truncated/],
      ["cut-data.gguf", whole.subarray(0, whole.length - 30), /^truncated: tensor b needs bytes/],
      [
        "long-string.gguf",
        bytes(MAGIC, V3, ["u64", 0n], ["u64", 1n], ["u64", 2n ** 40n], ["raw", Buffer.alloc(20)]),
        /^length of metadata key 0 is 1099511627776, more than the 20 bytes left/,
      ],
      [
        "bad-type.gguf",
        bytes(MAGIC, V3, ["u64", 0n], ["u64", 1n], ["str", "k"], ["u32", 99], ["raw", Buffer.alloc(8)]),
        /^metadata k has unknown value type 99$/,
      ],
      [
        "nested.gguf",
        bytes(MAGIC, V3, ["u64", 0n], ["u64", 1n], ["str", "k"], ["u32", 9], ["u32", 9], ["u64", 1n], ["raw", Buffer.alloc(16)]),
        /array of arrays/,
      ],
      [
        "dup.gguf",
        bytes(MAGIC, V3, ["u64", 0n], ["u64", 2n], ["str", "k"], ["u32", 4], ["u32", 1], ["str", "k"], ["u32", 4], ["u32", 1]),
        /^metadata key "k" appears twice$/,
      ],
      [
        "align.gguf",
        bytes(MAGIC, V3, ["u64", 0n], ["u64", 1n], ["str", "general.alignment"], ["u32", 4], ["u32", 24]),
        /^general.alignment 24 is not a power of 2$/,
      ],
      [
        "dims.gguf",
        bytes(MAGIC, V3, ["u64", 1n], ["u64", 0n], ["str", "t"], ["u32", 5], ["raw", Buffer.alloc(64)]),
        /^tensor t has 5 dimensions/,
      ],
      ["neg.gguf", oneTensor([-4n], 0, 0n), /negative dimension -4/],
      ["huge.gguf", oneTensor([2n ** 40n, 2n ** 40n], 0, 0n), /more than 2\^53 elements/],
      ["ggml-type.gguf", oneTensor([4n], 4, 0n), /^tensor t has unknown ggml type 4$/],
      ["block.gguf", oneTensor([31n], 2, 0n), /31 elements per row is not a multiple of Q4_0's block of 32/],
      ["offset.gguf", oneTensor([4n], 0, 64n, ["raw", Buffer.alloc(200)]), /^tensor t has data offset 64, expected 0$/],
      ["beyond.gguf", oneTensor([1024n], 0, 0n), /^truncated: tensor t needs bytes/],
    ];
    for (const [name, content, want] of cases) expect(problem(file(name, content)), name).toMatch(want);
  });

  it("names missing files and folders, and prefixes the role that named the file", () => {
    expect(problem(join(dir, "nope.gguf"))).toBe("GGUF file not found");
    mkdirSync(join(dir, "folder.gguf"));
    expect(problem(join(dir, "folder.gguf"))).toMatch(/folder/);
    const p = file("role.gguf", "nope");
    expect(() => readGgufHeader(p, "model.base")).toThrow(`model.base: ${p}: not a GGUF file`);
  });
});
