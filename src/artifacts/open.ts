import { join } from "node:path";
import { DirArtifactStore } from "./dir-store.js";
import { S3ArtifactStore } from "./s3-store.js";
import type { ArtifactStore } from "./types.js";

/**
 * The artifact store a location names: `s3://bucket/prefix[?endpoint=…&region=…]`, else a directory (a path
 * or `file://` URL) every machine mounts. `cacheDir` holds downloads from S3 (default `<runsDir>/artifact-cache`).
 */
export function openArtifactStore(location: string, opts: { cacheDir?: string; env?: NodeJS.ProcessEnv } = {}): ArtifactStore {
  if (location.startsWith("s3://"))
    return new S3ArtifactStore(location, { cacheDir: opts.cacheDir ?? join("runs", "artifact-cache"), env: opts.env });
  return new DirArtifactStore(location.startsWith("file://") ? new URL(location).pathname : location);
}
