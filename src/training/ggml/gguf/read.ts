import { readGgufHeader, type GgufTensorEntry, type GgufValue } from "../../../formats/gguf-header.js";
import { loadGgml, type Ggml, type GgufCtx } from "../ffi/index.js";

export type { GgufTensorEntry, GgufValue };

/**
 * An opened GGUF: metadata and tensor directory, read and checked by our own header reader (no tensor data
 * is read). `native()` opens ggml's gguf context of the same file, for copying its metadata when saving.
 * Call close() when done.
 */
export interface GgufFile {
  path: string;
  tensors: GgufTensorEntry[];
  has(key: string): boolean;
  get(key: string): GgufValue | undefined;
  keys(): string[];
  native(): GgufCtx;
  close(): void;
}

export function openGguf(path: string, g: Ggml = loadGgml()): GgufFile {
  const header = readGgufHeader(path);
  let ctx: GgufCtx | undefined;
  return {
    path,
    tensors: header.tensors,
    has: (key) => header.metadata.has(key),
    get: (key) => header.metadata.get(key)?.value,
    keys: () => [...header.metadata.keys()],
    native: () => {
      if (ctx) return ctx;
      // Safe to hand to ggml: the header reader above has checked every count, length and offset.
      const opened = g.gguf.init_from_file(path, { no_alloc: true, ctx: null });
      if (!opened) throw new Error(`ggml could not read the GGUF file ${path}`);
      return (ctx = opened);
    },
    close: () => {
      if (ctx) g.gguf.free(ctx);
      ctx = undefined;
    },
  };
}
