import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** The sha256 (hex) of a file's bytes, streamed: model files can be gigabytes. */
export async function fileSha256(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}
