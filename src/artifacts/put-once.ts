import { statSync } from "node:fs";
import type { ArtifactStore } from "./types.js";

/**
 * `store.put` that hashes and stores each file once per process: model files are immutable once written
 * (a size+mtime change makes it a new file). A coordinator sends the same base model with every unit.
 */
export function putOnce(store: ArtifactStore): (path: string) => Promise<string> {
  const shaOf = new Map<string, Promise<string>>();
  return (path) => {
    const st = statSync(path);
    const k = `${path}|${st.size}|${st.mtimeMs}`;
    let p = shaOf.get(k);
    if (!p) shaOf.set(k, (p = store.put(path)));
    return p;
  };
}
