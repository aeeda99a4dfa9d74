/**
 * Data across the native boundary, for callers outside ffi/ that must not touch koffi themselves: raw
 * copies into native memory. (GGUF metadata is read by src/models/gguf-header.ts, in TypeScript.)
 */
import koffi from "koffi";

/** Copies `data` into native memory at `ptr`, which must hold at least `data.byteLength` bytes. */
export function copyToNative(ptr: bigint, data: ArrayBufferView): void {
  new Uint8Array(koffi.view(ptr, data.byteLength)).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}
