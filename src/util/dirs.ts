import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * `mkdir -p` that fails fast with an Error naming the folder (callers say what the folder was for, as a
 * UserError). Node's own recursive mkdirSync loops
 * forever where the kernel answers ENOENT for a child of an existing folder (e.g. /proc/x), so the
 * missing folders are made one at a time, top down.
 */
export function makeDirs(dir: string, what = "folder"): void {
  const missing: string[] = [];
  for (let p = resolve(dir); ;) {
    const kind = kindOf(p);
    if (kind === "dir") break;
    if (kind === "other") throw new Error(`cannot create ${what} ${dir}: ${p} is not a folder`);
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (err) {
      if (kindOf(p) === "dir") continue; // made by another process meanwhile
      const e = err as NodeJS.ErrnoException;
      throw new Error(`cannot create ${what} ${p} (${e.code ?? e.message})`, { cause: err });
    }
  }
}

function kindOf(p: string): "dir" | "other" | "missing" {
  try {
    return statSync(p).isDirectory() ? "dir" : "other";
  } catch {
    return "missing";
  }
}
