import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGgufFileInfo } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { encodeGgufHeader, f32ToF16Bits, gguf, writeGguf } from "../../src/models/gguf-writer.js";

const dir = mkdtempSync(join(tmpdir(), "gguf-writer-"));

describe("writeGguf", () => {
  it("round-trips metadata of every type and F32/F16 tensors through node-llama-cpp's reader", async () => {
    const path = join(dir, "rt.gguf");
    const a = Float32Array.from({ length: 6 }, (_, i) => i * 0.5 - 1);
    const b = Float32Array.from([1, -2, 0.5, 65504, 1e-8, -0.333]);
    writeGguf(path, {
      metadata: {
        "general.architecture": gguf.str("llama"),
        "general.name": gguf.str("tést ✓"),
        "x.u32": gguf.u32(4_000_000_000),
        "x.i32": gguf.i32(-7),
        "x.f32": gguf.f32(0.25),
        "x.bool": gguf.bool(true),
        "x.strs": gguf.strings(["a", "", "<0x0A>", "▁"]),
        "x.f32s": gguf.f32s([1.5, -2]),
        "x.i32s": gguf.i32s([3, -6, 1]),
      },
      tensors: [
        { name: "a", shape: [3, 2], type: "F32", data: a },
        { name: "b", shape: [6], type: "F16", data: b },
      ],
    });
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
    const info = await readGgufFileInfo(path, { logWarnings: false });
    expect(info.version).toBe(3);
    const md = info.metadata as any;
    expect(md.general.name).toBe("tést ✓");
    expect(md.general.alignment).toBe(32);
    expect(md.x).toEqual({
      u32: 4_000_000_000,
      i32: -7,
      f32: 0.25,
      bool: true,
      strs: ["a", "", "<0x0A>", "▁"],
      f32s: [1.5, -2],
      i32s: [3, -6, 1],
    });
    const [ta, tb] = info.tensorInfo!;
    expect(ta).toMatchObject({ name: "a", dimensions: [3, 2], ggmlType: 0 });
    expect(tb).toMatchObject({ name: "b", dimensions: [6], ggmlType: 1 });
    expect(Number(tb!.offset) % 32).toBe(0);
    const file = readFileSync(path);
    const da = new Float32Array(file.buffer.slice(file.byteOffset + Number(ta!.fileOffset), file.byteOffset + Number(ta!.fileOffset) + 24));
    expect(Array.from(da)).toEqual(Array.from(a));
    const db = Array.from({ length: 6 }, (_, i) => file.readUInt16LE(Number(tb!.fileOffset) + 2 * i));
    expect(db).toEqual(Array.from(b, f32ToF16Bits));
  });

  it("rejects mismatched shapes and out-of-range integers without leaving files", () => {
    expect(() =>
      writeGguf(join(dir, "bad1.gguf"), { metadata: {}, tensors: [{ name: "t", shape: [2, 2], type: "F32", data: new Float32Array(3) }] }),
    ).toThrow(/needs 4 values/);
    expect(() => writeGguf(join(dir, "bad2.gguf"), { metadata: { k: gguf.u32(-1) }, tensors: [] })).toThrow(/not a valid u32/);
    expect(readdirSync(dir).filter((f) => f.startsWith("bad"))).toEqual([]);
  });

  it("pads the header to the alignment", () => {
    const { header, offsets } = encodeGgufHeader({
      metadata: { k: gguf.str("v") },
      tensors: [
        { name: "a", shape: [3], type: "F32", data: new Float32Array(3) },
        { name: "b", shape: [1], type: "F32", data: new Float32Array(1) },
      ],
      alignment: 64,
    });
    expect(header.length % 64).toBe(0);
    expect(offsets).toEqual([0, 64]);
  });
});

describe("f32ToF16Bits", () => {
  it("matches IEEE half encodings, rounding to nearest even", () => {
    expect(f32ToF16Bits(1)).toBe(0x3c00);
    expect(f32ToF16Bits(-2)).toBe(0xc000);
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(1e6)).toBe(0x7c00);
    expect(f32ToF16Bits(0)).toBe(0);
    expect(f32ToF16Bits(2 ** -24)).toBe(1); // smallest subnormal
    expect(f32ToF16Bits(2 ** -26)).toBe(0);
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(f32ToF16Bits(NaN) & 0x7c00).toBe(0x7c00);
  });
});
