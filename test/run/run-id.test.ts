import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { parseSeeds, runIdFor } from "../../src/run/run-id.js";

describe("run identity", () => {
  const a = parseConfig("name: My Run\ntask:\n  name: arithmetic\nagents: 3\n");
  const b = parseConfig("agents: 3\ntask:\n  name: arithmetic\nname: My Run\n");
  it("is the same for the same resolved config and seed, whatever the key order", () => {
    expect(runIdFor(a, 1)).toBe(runIdFor(b, 1));
    expect(runIdFor(a, 1)).toMatch(/^my-run-s1-[0-9a-f]{8}$/);
  });
  it("changes with the seed or any setting", () => {
    expect(runIdFor(a, 2)).not.toBe(runIdFor(a, 1));
    expect(runIdFor(parseConfig("name: My Run\ntask:\n  name: arithmetic\nagents: 4\n"), 1)).not.toBe(runIdFor(a, 1));
  });
  it("does not change when a tracker is added (the same run resumes, now tracked)", () => {
    const tracked = parseConfig("name: My Run\ntask:\n  name: arithmetic\nagents: 3\ntracking:\n  tensorboard: {dir: tb}\n");
    expect(tracked.tracking?.tensorboard?.dir).toBe("tb");
    expect(runIdFor(tracked, 1)).toBe(runIdFor(a, 1));
  });
  it("names a bad tracking URL with its line", () => {
    expect(() => parseConfig('task: {name: arithmetic}\ntracking:\n  mlflow: {uri: "ftp://x"}\n', "c.yaml")).toThrow(
      /^c\.yaml:3:\d+: tracking\.mlflow\.uri: must be an http\(s\) URL/,
    );
  });
  it("parses --seeds", () => {
    expect(parseSeeds("1,2, 3")).toEqual([1, 2, 3]);
    expect(() => parseSeeds("1,x")).toThrow(/--seeds/);
    expect(parseSeeds("0,3,3,1")).toEqual([0, 3, 1]);
    expect(parseSeeds(["1", "2,5"])).toEqual([1, 2, 5]); // --seeds 1 --seeds 2,5
    expect(parseSeeds(String(Number.MAX_SAFE_INTEGER))).toEqual([Number.MAX_SAFE_INTEGER]);
  });
  it("refuses --seeds that are not plain safe non-negative integers", () => {
    for (const bad of ["1e3", "0x10", "1,,2", "1,", "", "99999999999999999999", "-1", "1.5", " ", "1 2", "+3", "0b1"]) {
      expect(() => parseSeeds(bad), bad).toThrow(/--seeds wants comma-separated non-negative integers/);
    }
  });
});
