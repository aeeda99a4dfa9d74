import { existsSync } from "node:fs";
import { fileSha256Sync } from "./file-sha256.js";

/**
 * A model file by its content when it is a file here, else by its name (a remote id, a path elsewhere). The
 * fakes key on it: the same weights in another run folder are the same model, as they are to a real backend.
 */
export function contentId(path: string): string {
  return existsSync(path) ? `sha256:${fileSha256Sync(path)}` : path;
}
