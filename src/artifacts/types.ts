/**
 * Artifacts: the files one machine writes and others read (LoRA adapters, full models), keyed by the sha256
 * of their bytes. Every reader verifies the sha256 of what it got, so a torn copy, a bad disk or a wrong
 * object is an error, never a silently different model.
 */
export interface ArtifactStore {
  /** Where the artifacts live: a directory, or `s3://bucket/prefix`. */
  readonly location: string;
  /**
   * Stores the file at `path` under its sha256 (computed here; checked against `sha256` when given) and
   * returns the sha256. Storing the same bytes again is a no-op.
   */
  put(path: string, sha256?: string): Promise<string>;
  /** A local path holding the artifact's bytes, verified against `sha256`; `ext` ends a downloaded copy's name (".gguf"). */
  get(sha256: string, ext?: string): Promise<string>;
  has(sha256: string): Promise<boolean>;
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;
