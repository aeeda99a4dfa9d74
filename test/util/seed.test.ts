import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createXoshiro128Rng, Rng } from "../../src/util/rng.js";
import { cyrb53SeedV1, deriveSeed, fnvSplitmixSeedV1, trainerStreamSeedV1, turnSeedV1, unitDrawV1 } from "../../src/util/seed.js";
import { shuffled } from "../../src/tasks/rng.js";
import { Rng as TrainerRng } from "../../src/training/ggml/rng.js";

const key = { runSeed: 1, questionKey: "gsm8k:test:42", agent: "generator:0", round: 1 };

describe("turnSeedV1", () => {
  it("is the documented hash: SHA-256 of the NUL-joined identity, first 4 bytes big-endian, 31 bits", () => {
    const h = createHash("sha256").update(["society/turn-seed/v1", "1", "", "gsm8k:test:42", "generator:0", "1"].join("\u0000")).digest();
    expect(turnSeedV1(key)).toBe(h.readUInt32BE(0) & 0x7fffffff);
  });

  it("is stable, and changes with every part of the identity", () => {
    const s = turnSeedV1(key);
    expect(turnSeedV1({ ...key })).toBe(s);
    const variants = [
      { ...key, runSeed: 2 },
      { ...key, questionKey: "gsm8k:test:43" },
      { ...key, agent: "generator:1" },
      { ...key, agent: "critic:0" },
      { ...key, round: 2 },
      { ...key, scope: "multiagent-ft/l1" },
    ].map(turnSeedV1);
    expect(new Set([s, ...variants]).size).toBe(7);
  });

  it("a tree turn's position is its node path, hashed where a debate turn's round is", () => {
    const h = createHash("sha256")
      .update(["society/turn-seed/v1", "1", "malt/train/it0", "gsm8k:test:42", "refiner:0", "0.2.1"].join("\u0000"))
      .digest();
    expect(turnSeedV1({ ...key, scope: "malt/train/it0", agent: "refiner:0", node: "0.2.1" })).toBe(h.readUInt32BE(0) & 0x7fffffff);
    expect(turnSeedV1({ ...key, node: "" })).toBe(turnSeedV1(key)); // an empty path: the round is the position
    expect(turnSeedV1({ ...key, node: "0.1" })).not.toBe(turnSeedV1({ ...key, node: "1.0" }));
  });

  it("stays within 31 bits over many identities (never llama.cpp's 0xFFFFFFFF 'random' seed)", () => {
    for (let i = 0; i < 2000; i++) {
      const s = turnSeedV1({ ...key, round: i });
      expect(Number.isInteger(s) && s >= 0 && s < 2 ** 31).toBe(true);
    }
  });
});

describe("unitDrawV1", () => {
  it("draws a fixed number in [0,1) per seed and label", () => {
    expect(unitDrawV1(5)).toBe(unitDrawV1(5));
    expect(unitDrawV1(5)).not.toBe(unitDrawV1(6));
    expect(unitDrawV1(5, "a")).not.toBe(unitDrawV1(5, "b"));
    const xs = Array.from({ length: 1000 }, (_, i) => unitDrawV1(i));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(0.5, 1);
  });
});

// Values computed by the derivations as they stood before they moved here (commit c55bbb9: util/rng.ts
// deriveSeed, tasks/rng.ts hashSeed, debate/seed.ts deriveSeed and seededUnit, models/rng.ts seedFrom and
// createRng, training/ggml/rng.ts Rng). Stored runs, task data and the tiny model depend on them: a change
// here means existing runs no longer reproduce.
describe("seed derivations reproduce their earlier values", () => {
  it("deriveSeed (sha256, ␟, little-endian)", () => {
    expect(deriveSeed(7, "q", 3)).toBe(3729258406);
    expect(deriveSeed("a")).toBe(310482890);
  });
  it("turnSeedV1 and unitDrawV1 (debate turns and tie-breaks)", () => {
    expect(turnSeedV1({ runSeed: 7, questionKey: "arithmetic:test:3", agent: "generator:0", round: 1 })).toBe(389360241);
    expect(turnSeedV1({ runSeed: 7, questionKey: "arithmetic:test:3", agent: "critic:1", round: 2, scope: "multiagent-ft/l2" })).toBe(
      332386109,
    );
    expect(unitDrawV1(42)).toBe(0.12051681708544493);
    expect(unitDrawV1(42, "tie")).toBe(0.9901928110048175);
  });
  it("cyrb53SeedV1 (tasks) and the shuffle built on it", () => {
    expect(cyrb53SeedV1("arithmetic-split", "1+2")).toBe(1595618188);
    expect(cyrb53SeedV1(7, "train", 0)).toBe(155634712);
    expect(shuffled([1, 2, 3, 4, 5], 9)).toEqual([3, 5, 4, 2, 1]);
  });
  it("fnvSplitmixSeedV1 and the xoshiro128** stream (model files)", () => {
    expect(fnvSplitmixSeedV1(7, "corpus", "train")).toBe(36197258);
    expect(createXoshiro128Rng(7).next()).toBe(0.23382771760225296);
    expect(createXoshiro128Rng(7).normal()).toBe(-1.6997666603638308);
  });
  it("trainerStreamSeedV1 and the trainer's mulberry32 streams", () => {
    expect(new TrainerRng(7, "lora").next()).toBe(0.5189124506432563);
    expect(new TrainerRng(3).normal()).toBe(-1.310648911206825);
    expect(new TrainerRng(3, "shuffle").uniform(-1, 1)).toBe(0.011683350428938866);
    expect(new Rng(trainerStreamSeedV1(7, "lora")).next()).toBe(0.5189124506432563);
    expect(new Rng(7).next()).toBe(0.011704753153026104);
    expect(new Rng(7).shuffle([1, 2, 3, 4, 5])).toEqual([4, 2, 3, 5, 1]);
  });
});
