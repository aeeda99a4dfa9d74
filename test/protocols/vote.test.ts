import { describe, expect, it } from "vitest";
import { majorityVote, TIE_RULE } from "../../src/protocols/vote.js";
import { unitDrawV1 } from "../../src/util/seed.js";

// Canonical form for these tests: numbers compare by value ("7.0" ≡ "7").
const canon = (a: string) => String(Number(a.replace(/,/g, "")));
const ballots = (...xs: (string | null)[]) => xs.map((answer) => ({ answer }));

describe("majorityVote", () => {
  it("picks the most common canonical answer and reports the counts", () => {
    const r = majorityVote(ballots("7", "7.0", "8"), canon, 1);
    expect(r).toEqual({ answer: "7", key: "7", votes: { "7": 2, "8": 1 }, tieBreak: null });
  });

  it("returns the first ballot's spelling of the winning group", () => {
    expect(majorityVote(ballots("8", "1,000", "1000"), canon, 1).answer).toBe("1,000");
  });

  it("never lets unparsed answers win, even when they are the majority", () => {
    const r = majorityVote(ballots(null, null, "3"), canon, 1);
    expect(r.answer).toBe("3");
    expect(r.votes).toEqual({ "3": 1 });
  });

  it("gives no answer when nothing parsed (the question then counts as wrong)", () => {
    expect(majorityVote(ballots(null, null), canon, 1)).toEqual({ answer: null, key: null, votes: {}, tieBreak: null });
    expect(majorityVote([], canon, 1).answer).toBeNull();
  });

  it("breaks ties by a seeded draw over the sorted tied keys, and records it", () => {
    const r = majorityVote(ballots("5", "3", null), canon, 42);
    const expected = ["3", "5"][Math.floor(unitDrawV1(42, "tie") * 2)];
    expect(r.key).toBe(expected);
    expect(r.tieBreak).toEqual({ candidates: ["3", "5"], chosen: expected, rule: TIE_RULE, seed: 42 });
    // Same seed, same pick, whatever the ballot order.
    expect(majorityVote(ballots("3", "5"), canon, 42).key).toBe(expected);
  });

  it("spreads tie-breaks over the candidates across seeds", () => {
    const picks = new Set(Array.from({ length: 40 }, (_, s) => majorityVote(ballots("1", "2", "3"), canon, s).key));
    expect(picks).toEqual(new Set(["1", "2", "3"]));
  });
});
