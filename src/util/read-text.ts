import { readFileSync, statSync } from "node:fs";

/**
 * readFileSync(path, "utf8") for files the user names, refusing what is not a regular file first: a FIFO
 * or a device would block the (synchronous) read forever, where no signal handler can run.
 */
export function readTextFile(path: string): string {
  const st = statSync(path);
  if (!st.isFile()) {
    const kind = st.isDirectory() ? "a directory" : st.isFIFO() ? "a FIFO" : st.isSocket() ? "a socket" : st.isCharacterDevice() || st.isBlockDevice() ? "a device" : "not a file";
    throw new Error(`${kind}, not a regular file`);
  }
  return readFileSync(path, "utf8");
}
