import { describe, expect, it } from "vitest";
import { fmt, Progress } from "../../src/util/progress.js";
import { summarize } from "../../src/eval/stats.js";
import type { DebateOutcome, TurnSummary } from "../../src/protocols/debate/index.js";

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

describe("summarize", () => {
  const turn = (o: Partial<TurnSummary>): TurnSummary => ({ round: 1, role: "generator", index: 0, answer: "1", parseStatus: "boxed", promptTokens: 10, completionTokens: 5, fresh: true, ...o });
  const outcome = (correct: boolean, finalAnswer: string | null, turns: TurnSummary[]) => ({ correct, finalAnswer, turns }) as unknown as DebateOutcome;

  it("counts accuracy with its standard error, unparsed answers and tokens", () => {
    const s = summarize([
      outcome(true, "1", [turn({}), turn({ role: "summarizer", answer: null, parseStatus: "unparsed", fresh: false })]),
      outcome(false, null, [turn({ answer: null, parseStatus: "unparsed" })]),
      outcome(true, "1", [turn({ fresh: false })]),
      outcome(false, "2", [turn({})]),
    ]);
    expect(s).toMatchObject({ questions: 4, correct: 2, accuracy: 0.5, unparsed: 1, unparsedTurns: 1, promptTokens: 50, completionTokens: 25, freshCompletionTokens: 15, freshTurns: 3 });
    expect(s.stderr).toBeCloseTo(Math.sqrt(0.25 / 4), 12);
  });
});
