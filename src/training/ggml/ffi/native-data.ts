/**
 * Data across the native boundary, for callers outside ffi/ that must not touch koffi themselves: the
 * out-parameter of gguf_init_from_file, numeric GGUF arrays, and raw copies into native memory.
 */
import koffi from "koffi";
import { GGUF_TYPE } from "./constants.js";
import type { bindGguf, Ctx, GgufCtx } from "./ggml.js";

type GgufApi = ReturnType<typeof bindGguf>;

/**
 * gguf_init_from_file with no_alloc: the gguf context and the ggml context holding one no-data tensor per
 * GGUF tensor (shape, type, name). Null when the file is not a readable GGUF.
 */
export function ggufInitNoAlloc(gguf: GgufApi, path: string): { ctx: GgufCtx; meta: Ctx } | null {
  const ctxOut = koffi.alloc("void *", 1);
  try {
    const ctx = gguf.init_from_file(path, { no_alloc: true, ctx: ctxOut });
    if (!ctx) return null;
    return { ctx, meta: koffi.decode(ctxOut, "void *") as Ctx };
  } finally {
    koffi.free(ctxOut);
  }
}

const NUMERIC_ARRAY: Record<number, string> = {
  [GGUF_TYPE.UINT8]: "uint8_t",
  [GGUF_TYPE.INT8]: "int8_t",
  [GGUF_TYPE.UINT16]: "uint16_t",
  [GGUF_TYPE.INT16]: "int16_t",
  [GGUF_TYPE.UINT32]: "uint32_t",
  [GGUF_TYPE.INT32]: "int32_t",
  [GGUF_TYPE.FLOAT32]: "float",
  [GGUF_TYPE.BOOL]: "bool",
  [GGUF_TYPE.UINT64]: "uint64_t",
  [GGUF_TYPE.INT64]: "int64_t",
  [GGUF_TYPE.FLOAT64]: "double",
};

/** The elements of numeric GGUF array `id` (element type `elementType`, a GGUF_TYPE). */
export function ggufNumericArray(gguf: GgufApi, ctx: GgufCtx, id: number, elementType: number): Array<number | bigint | boolean> {
  const ct = NUMERIC_ARRAY[elementType];
  if (!ct) throw new Error(`unsupported GGUF array element type ${elementType}`);
  const len = gguf.get_arr_n(ctx, id);
  return len === 0 ? [] : (koffi.decode(gguf.get_arr_data(ctx, id), ct, len) as Array<number | bigint | boolean>);
}

/** Copies `data` into native memory at `ptr`, which must hold at least `data.byteLength` bytes. */
export function copyToNative(ptr: bigint, data: ArrayBufferView): void {
  new Uint8Array(koffi.view(ptr, data.byteLength)).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}
