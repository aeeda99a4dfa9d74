import { describe, expect, it } from "vitest";
import { fmt, Progress } from "../../src/util/progress.js";

describe("Progress", () => {
  it("prints questions done, accuracy, tokens/s and ETA; rewrites one line on a TTY", () => {
    let t = 0;
    const lines: string[] = [];
    const p = new Progress({ total: 4, label: "[eval]", stream: { write: (s: string) => lines.push(s), isTTY: true }, now: () => t });
    t = 2000;
    p.update({ correct: true, freshTokens: 100, fresh: true });
    t = 4000;
    p.update({ correct: false, freshTokens: 100, fresh: true });
    expect(lines[1]).toBe("\r\x1b[2K[eval] 2/4 questions | acc 50.0% | 50.0 tok/s | 4s elapsed | ETA 4s");
    p.update({ correct: true, freshTokens: 0, fresh: false });
    p.update({ correct: true, freshTokens: 0, fresh: false });
    expect(lines[3]).toMatch(/4\/4 questions \| acc 75\.0% .*\| done\n$/);
  });

  it("prints sparse plain lines when not a TTY", () => {
    let t = 0;
    const lines: string[] = [];
    const p = new Progress({ total: 100, label: "x", stream: { write: (s: string) => lines.push(s) }, everyMs: 1000, now: () => t });
    for (let i = 0; i < 100; i++) {
      t += 100;
      p.update({ correct: false, freshTokens: 1, fresh: true });
    }
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.length).toBeLessThan(15);
    expect(lines.every((l) => l.endsWith("\n") && !l.includes("\r"))).toBe(true);
  });

  it("formats durations", () => {
    expect([fmt(5), fmt(65), fmt(3725), fmt(Infinity)]).toEqual(["5s", "1m05s", "1h02m", "–"]);
  });
});
