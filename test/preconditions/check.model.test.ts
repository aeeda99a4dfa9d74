/**
 * The precondition checks end to end on real parts: the `test` tiny model in llama.cpp, the debate
 * engine, our ggml LoRA trainer. Small sizes; the figures must be what the answers say, and the same
 * twice (seeded).
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import { formatChecks, THRESHOLDS } from "../../src/preconditions/check.js";
import { checkForConfig } from "../../src/preconditions/for-config.js";
import { societyCli } from "../support/society-cli.js";

const config = resolve(import.meta.dirname, "../fixtures/check-tiny.yaml");

describe("precondition checks (test tiny model)", () => {
  it("measures per-sample, greedy, maj@N, debate and gold accuracy; `society model check` prints the same, seeded", async () => {
    const info = await ensureTinyModel("test");
    const cfg = loadConfig(config);
    const f = await checkForConfig({ config: cfg, model: { base: info.path } });
    expect(f.questions).toBe(12);
    expect(f.goldRows).toBe(24);
    expect(f.gold.steps).toBe(4);
    for (const x of [f.base.perSample, f.base.greedy, f.base.majority, f.base.debate, f.gold.perSample, f.gold.greedy]) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
    }
    // Gains are the differences of the figures, and the verdicts follow the thresholds.
    expect(f.gains.gold.value).toBeCloseTo(f.gold.perSample - f.base.perSample, 10);
    expect(f.gains.voteOverGreedy.value).toBeCloseTo(f.base.majority - f.base.greedy, 10);
    expect(f.gains.critic.value).toBeCloseTo(f.base.debate - f.base.majority, 10);
    expect(f.pass.vote).toBe(
      f.gains.voteOverSample.value >= THRESHOLDS.voteOverSample && f.gains.voteOverGreedy.value >= THRESHOLDS.voteOverGreedy,
    );
    expect(f.pass.critic).toBe(f.gains.critic.value > 0);
    expect(Object.keys(f.timing)).toEqual(["base debate", "base greedy", "gold training", "gold samples", "gold greedy"]);

    // The CLI on the same model and config, in another process: the same verdict lines (seeded).
    const r = await societyCli(["model", "check", "tiny", "--recipe", "test", "--config", config], {
      env: { SOCIETY_LLAMA_THREADS: "1" },
    });
    expect(r.code, r.out).toBe(0);
    for (const name of ["gold gain", "vote gain", "critic gain"]) expect(r.out).toMatch(new RegExp(`${name}\\s+(PASS|FAIL): `));
    for (const line of formatChecks(f)) expect(r.out).toContain(line);
  }, 600_000);

  it("`society model check` names a bad flag, exit 1, before loading anything", async () => {
    const bad = await societyCli(["model", "check", "tiny", "--recipe", "test", "--config", config, "--test-limit", "0"]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain("--test-limit must be a positive integer");
  }, 120_000);
});
