import { UserError } from "../errors.js";
import type { DataFile } from "./types.js";

/**
 * The data a run read, as its resolved config records it (task.data_files): per split, every file with its
 * sha256. A run resumed over different data would mix two data sets in one result, so it is refused.
 */
export type RecordedData = Partial<Record<"train" | "test", DataFile[]>>;

export function assertSameData(runId: string, before: RecordedData | undefined, now: RecordedData): void {
  if (!before) return;
  for (const split of ["train", "test"] as const) {
    const was = new Map((before[split] ?? []).map((f) => [f.hub ? `${f.hub.repo}:${f.hub.file}` : f.path, f]));
    const is = new Map((now[split] ?? []).map((f) => [f.hub ? `${f.hub.repo}:${f.hub.file}` : f.path, f]));
    const changed: string[] = [];
    for (const [k, f] of is) {
      const old = was.get(k);
      if (!old) changed.push(`${k} is new`);
      else if (old.sha256 !== f.sha256) changed.push(`${k} changed (sha256 ${old.sha256.slice(0, 12)}… → ${f.sha256.slice(0, 12)}…)`);
    }
    for (const k of was.keys()) if (!is.has(k)) changed.push(`${k} is gone`);
    if (changed.length) {
      throw new UserError(
        `run ${runId}: the ${split} data differs from the data it was started on (or its config pins): ${changed.slice(0, 3).join("; ")}${changed.length > 3 ? ` and ${changed.length - 3} more` : ""}. Restore that data, or change the config to start a new run (pin Hub data sets with @<commit>)`,
      );
    }
  }
}
