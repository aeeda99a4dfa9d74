import { readFileSync, statSync } from "node:fs";

/**
 * Why `path` is not a regular file ("a FIFO", "a directory", …), or undefined when it is one (or is missing:
 * callers say "not found" their own way). A FIFO or a device would block a synchronous read — or a native
 * model load on the main thread — forever, where no signal handler can run: refuse them before opening.
 */
export function notRegularFile(path: string): string | undefined {
  let st;
  try {
    st = statSync(path);
  } catch {
    return undefined;
  }
  if (st.isFile()) return undefined;
  return st.isDirectory()
    ? "a directory"
    : st.isFIFO()
      ? "a FIFO"
      : st.isSocket()
        ? "a socket"
        : st.isCharacterDevice() || st.isBlockDevice()
          ? "a device"
          : "not a file";
}

/** readFileSync(path, "utf8") for files the user names, refusing what is not a regular file first. */
export function readTextFile(path: string): string {
  const problem = notRegularFile(path);
  if (problem) throw new Error(`${problem}, not a regular file`);
  return readFileSync(path, "utf8");
}
