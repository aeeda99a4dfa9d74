export type { ArtifactStore } from "./types.js";
export { openArtifactStore } from "./open.js";
export { DirArtifactStore } from "./dir-store.js";
export { S3ArtifactStore } from "./s3-store.js";
export { putOnce } from "./put-once.js";
