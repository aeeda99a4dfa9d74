import type { RunConfig } from "../config/schema.js";
import { runKey } from "../util/run-key.js";
import { UserError } from "../errors.js";

/**
 * A run's id is its name, seed and a hash of the resolved config (less `tracking`, `model.endpoints`, and the default `model.chat_template`): running the same command again
 * finds the same run and resumes it; any change to the config starts a new one.
 */
export function runIdFor(config: RunConfig, seed: number): string {
  // Where a run is tracked, and which servers answer its requests (the seed travels with each request), is not
  // what it computes: adding a tracker or an endpoint to a command resumes the same run. The default chat template
  // (the model's own, unpinned) hashes as absent, so run ids from before it existed stand.
  const ct = config.model?.chat_template;
  const defaultTemplate = ct && ct.source === "model" && ct.date === undefined && Object.keys(ct.variables ?? {}).length === 0;
  const model = config.model && { ...config.model, endpoints: undefined, ...(defaultTemplate ? { chat_template: undefined } : {}) };
  return runKey({ name: config.name, seed, computes: { ...config, model, tracking: undefined, seed } });
}

/**
 * `--seeds 1,2,3` → [1, 2, 3] (repeats dropped, order kept); a repeated flag (`--seeds 1 --seeds 2`) arrives
 * as an array and is merged. Only plain decimal safe integers ≥ 0: `1e3`, `0x10`, `1,,2` and
 * `99999999999999999999` (not exact as a double) are refused.
 */
export function parseSeeds(text: string | readonly string[]): number[] {
  const given = typeof text === "string" ? text : text.join(",");
  const parts = given.split(",").map((s) => s.trim());
  const bad = parts.find((p) => !/^\d+$/.test(p) || !Number.isSafeInteger(Number(p)));
  if (bad !== undefined) {
    const why =
      bad === ""
        ? " (an empty entry)"
        : /^\d+$/.test(bad)
          ? ` (${bad} is above ${Number.MAX_SAFE_INTEGER})`
          : parts.length > 1
            ? ` (${JSON.stringify(bad)})`
            : "";
    throw new UserError(`--seeds wants comma-separated non-negative integers such as 1,2,3, got ${JSON.stringify(given)}${why}`);
  }
  return [...new Set(parts.map(Number))];
}
