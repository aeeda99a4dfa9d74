import { createHash } from "node:crypto";
import { stableJson } from "./stable-json.js";

/**
 * The id of a run (`society run`) or an evaluation (`society eval`): `<name slug>[-<method>]-s<seed>-<hash>`,
 * the hash over `computes`, everything that changes what it computes. The same command finds the same id and
 * resumes it; any change to what it computes starts a new one.
 */
export function runKey(o: { name: string; method?: string; seed: number; computes: unknown }): string {
  const hash = createHash("sha256").update(stableJson(o.computes)).digest("hex").slice(0, 8);
  const slug =
    o.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "run";
  return `${slug}${o.method === undefined ? "" : `-${o.method}`}-s${o.seed}-${hash}`;
}
