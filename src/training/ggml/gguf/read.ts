import { GGUF_TYPE, ggufInitNoAlloc, ggufNumericArray, loadGgml, tensorInfo, type Ctx, type Ggml, type GgufCtx, type Tensor } from "../ffi/index.js";

export type GgufValue = string | number | bigint | boolean | GgufValue[];

/** One tensor of a GGUF file: where its bytes are and what they are. */
export interface GgufTensorEntry {
  name: string;
  type: number;
  ne: [number, number, number, number];
  nDims: number;
  /** Absolute byte offset of the data in the file. */
  offset: number;
  size: number;
}

/** An opened GGUF: metadata and tensor directory (no tensor data is read). Call close() when done. */
export interface GgufFile {
  path: string;
  g: Ggml;
  ctx: GgufCtx;
  /** ggml context holding one no-data tensor per GGUF tensor (shape/type/name). */
  meta: Ctx;
  tensors: GgufTensorEntry[];
  has(key: string): boolean;
  get(key: string): GgufValue | undefined;
  keys(): string[];
  close(): void;
}

export function openGguf(path: string, g: Ggml = loadGgml()): GgufFile {
  const opened = ggufInitNoAlloc(g.gguf, path);
  if (!opened) throw new Error(`not a readable GGUF file: ${path}`);
  const { ctx, meta } = opened;
  const dataOffset = g.gguf.get_data_offset(ctx);
  const tensors: GgufTensorEntry[] = [];
  const n = g.gguf.get_n_tensors(ctx);
  for (let i = 0; i < n; i++) {
    const name = g.gguf.get_tensor_name(ctx, i);
    const t = g.core.get_tensor(meta, name) as Tensor;
    const info = tensorInfo(t);
    let nDims = 4;
    while (nDims > 1 && info.ne[nDims - 1] === 1) nDims--;
    tensors.push({
      name,
      type: g.gguf.get_tensor_type(ctx, i),
      ne: info.ne,
      nDims,
      offset: dataOffset + g.gguf.get_tensor_offset(ctx, i),
      size: g.gguf.get_tensor_size(ctx, i),
    });
  }
  const value = (id: number): GgufValue => {
    const type = g.gguf.get_kv_type(ctx, id);
    switch (type) {
      case GGUF_TYPE.UINT8: return g.gguf.get_val_u8(ctx, id);
      case GGUF_TYPE.INT8: return g.gguf.get_val_i8(ctx, id);
      case GGUF_TYPE.UINT16: return g.gguf.get_val_u16(ctx, id);
      case GGUF_TYPE.INT16: return g.gguf.get_val_i16(ctx, id);
      case GGUF_TYPE.UINT32: return g.gguf.get_val_u32(ctx, id);
      case GGUF_TYPE.INT32: return g.gguf.get_val_i32(ctx, id);
      case GGUF_TYPE.FLOAT32: return g.gguf.get_val_f32(ctx, id);
      case GGUF_TYPE.BOOL: return g.gguf.get_val_bool(ctx, id);
      case GGUF_TYPE.STRING: return g.gguf.get_val_str(ctx, id);
      case GGUF_TYPE.UINT64: return g.gguf.get_val_u64(ctx, id);
      case GGUF_TYPE.INT64: return g.gguf.get_val_i64(ctx, id);
      case GGUF_TYPE.FLOAT64: return g.gguf.get_val_f64(ctx, id);
      case GGUF_TYPE.ARRAY: {
        const at = g.gguf.get_arr_type(ctx, id);
        if (at === GGUF_TYPE.STRING) {
          const len = g.gguf.get_arr_n(ctx, id);
          const out: string[] = new Array(len);
          for (let i = 0; i < len; i++) out[i] = g.gguf.get_arr_str(ctx, id, i);
          return out;
        }
        return ggufNumericArray(g.gguf, ctx, id, at);
      }
      default:
        throw new Error(`unsupported GGUF value type ${type}`);
    }
  };
  let closed = false;
  return {
    path,
    g,
    ctx,
    meta,
    tensors,
    has: (key) => g.gguf.find_key(ctx, key) >= 0,
    get: (key) => {
      const id = g.gguf.find_key(ctx, key);
      return id < 0 ? undefined : value(id);
    },
    keys: () => Array.from({ length: g.gguf.get_n_kv(ctx) }, (_, i) => g.gguf.get_key(ctx, i)),
    close: () => {
      if (closed) return;
      closed = true;
      g.gguf.free(ctx);
      g.core.free(meta);
    },
  };
}
