import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Replaces `path` so that no reader ever sees it half-written, for writers that stream (model files too large
 * to hold whole; a whole buffer goes through write-file-atomic): `write` fills a temporary file next to `path`,
 * which is fsynced and renamed over it. On any error the temporary file is removed and the old `path` stays.
 */
export function replaceFile(path: string, write: (tmp: string) => void): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    write(tmp);
    const fd = openSync(tmp, "r+");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** replaceFile for writers that write through a file descriptor. */
export function replaceFileWith(path: string, write: (fd: number) => void): void {
  replaceFile(path, (tmp) => {
    const fd = openSync(tmp, "w");
    try {
      write(fd);
    } finally {
      closeSync(fd);
    }
  });
}
