import type { RunConfig } from "../config/schema.js";
import { runKey } from "../util/run-key.js";

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

/** `--seeds 1,2,3` → [1, 2, 3]. */
export function parseSeeds(text: string): number[] {
  const seeds = text.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  if (!seeds.length || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--seeds wants comma-separated non-negative integers, got "${text}"`);
  return [...new Set(seeds)];
}
