import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { deriveSeed, questionKey, seededUnit } from "../../src/protocols/seed.js";

const key = { runSeed: 1, questionKey: "gsm8k:test:42", agent: "generator:0", round: 1 };

describe("deriveSeed", () => {
  it("is the documented hash: SHA-256 of the NUL-joined identity, first 4 bytes big-endian, 31 bits", () => {
    const h = createHash("sha256").update(["society/turn-seed/v1", "1", "", "gsm8k:test:42", "generator:0", "1"].join("\u0000")).digest();
    expect(deriveSeed(key)).toBe(h.readUInt32BE(0) & 0x7fffffff);
  });

  it("is stable, and changes with every part of the identity", () => {
    const s = deriveSeed(key);
    expect(deriveSeed({ ...key })).toBe(s);
    const variants = [
      { ...key, runSeed: 2 },
      { ...key, questionKey: "gsm8k:test:43" },
      { ...key, agent: "generator:1" },
      { ...key, agent: "critic:0" },
      { ...key, round: 2 },
      { ...key, scope: "multiagent-ft/l1" },
    ].map(deriveSeed);
    expect(new Set([s, ...variants]).size).toBe(7);
  });

  it("a tree turn's position is its node path, hashed where a debate turn's round is", () => {
    const h = createHash("sha256").update(["society/turn-seed/v1", "1", "malt/train/it0", "gsm8k:test:42", "refiner:0", "0.2.1"].join("\u0000")).digest();
    expect(deriveSeed({ ...key, scope: "malt/train/it0", agent: "refiner:0", node: "0.2.1" })).toBe(h.readUInt32BE(0) & 0x7fffffff);
    expect(deriveSeed({ ...key, node: "" })).toBe(deriveSeed(key)); // an empty path: the round is the position
    expect(deriveSeed({ ...key, node: "0.1" })).not.toBe(deriveSeed({ ...key, node: "1.0" }));
  });

  it("stays within 31 bits over many identities (never llama.cpp's 0xFFFFFFFF 'random' seed)", () => {
    for (let i = 0; i < 2000; i++) {
      const s = deriveSeed({ ...key, round: i });
      expect(Number.isInteger(s) && s >= 0 && s < 2 ** 31).toBe(true);
    }
  });
});

describe("seededUnit / questionKey", () => {
  it("draws a fixed number in [0,1) per seed and label", () => {
    expect(seededUnit(5)).toBe(seededUnit(5));
    expect(seededUnit(5)).not.toBe(seededUnit(6));
    expect(seededUnit(5, "a")).not.toBe(seededUnit(5, "b"));
    const xs = Array.from({ length: 1000 }, (_, i) => seededUnit(i));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(0.5, 1);
  });

  it("keys questions by task, split and the task's own id", () => {
    expect(questionKey({ task: "math", split: "test", id: "algebra/12" })).toBe("math:test:algebra/12");
  });
});
