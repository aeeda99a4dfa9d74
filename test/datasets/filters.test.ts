import { describe, expect, it } from "vitest";
import { criticPools, mixCriticData } from "../../src/datasets/critic-data.js";
import { generatorData } from "../../src/datasets/generator-data.js";
import { concatDatasets, pooledData } from "../../src/datasets/pooled-data.js";
import { starData } from "../../src/datasets/star-data.js";
import type { AgentChain, DebateTranscript } from "../../src/datasets/types.js";

// A scripted transcript: answers[agent][round-1]; the prompt of round r carries that agent's own history.
function debate(q: string, consensus: string | null, answers: Array<Array<string | null>>): DebateTranscript {
  const chains: AgentChain[] = answers.map((rounds, agent) => {
    const history: { role: "user" | "assistant"; content: string }[] = [];
    return {
      agent,
      turns: rounds.map((answer, i) => {
        history.push({ role: "user", content: `${q} r${i + 1} prompt for agent ${agent}` });
        const prompt = [...history];
        const completion = `agent ${agent} round ${i + 1} says \\boxed{${answer ?? "?"}}`;
        history.push({ role: "assistant", content: completion });
        return { turnId: `${q}/a${agent}/r${i + 1}`, round: i + 1, prompt, completion, answer };
      }),
    };
  });
  return { questionId: q, consensus, chains };
}

const debates = [
  debate("q1", "7", [
    ["7", "7"],
    ["5", "7"],
    [null, "7"],
  ]),
  debate("q2", "3", [
    ["4", "4"],
    ["3", "3"],
    ["3", "3"],
  ]),
  debate("q3", null, [
    [null, null],
    [null, null],
    [null, null],
  ]),
  debate("q4", "9", [
    ["9", "8"],
    ["2", "9"],
    ["9", "9"],
  ]),
];

describe("generator data D^G", () => {
  it("keeps only the agent's own round-1 responses equal to ŷ", () => {
    const g0 = generatorData(debates, 0);
    expect(g0.rows.map((r) => r.sourceTurnIds)).toEqual([["q1/a0/r1"], ["q4/a0/r1"]]);
    const g1 = generatorData(debates, 1);
    expect(g1.rows.map((r) => r.questionId)).toEqual(["q2"]);
    // unparsed round-1 answers never match, and a debate with no consensus gives nothing
    const g2 = generatorData(debates, 2);
    expect(g2.rows.map((r) => r.questionId)).toEqual(["q2", "q4"]);
  });

  it("ends each row with the agent's own response and contains only its own turns", () => {
    for (const agent of [0, 1, 2]) {
      for (const row of generatorData(debates, agent).rows) {
        const last = row.messages.at(-1)!;
        expect(last.role).toBe("assistant");
        expect(last.content).toMatch(new RegExp(`^agent ${agent} round 1 `));
        expect(row.sourceTurnIds.every((id) => id.includes(`/a${agent}/`))).toBe(true);
      }
    }
  });
});

describe("critic data C− / C+", () => {
  it("C− is wrong at round 1 and ŷ at the end; C+ is right at both", () => {
    const p1 = criticPools(debates, 1);
    expect(p1.minus.map((r) => r.questionId)).toEqual(["q1", "q4"]);
    expect(p1.plus.map((r) => r.questionId)).toEqual(["q2"]);
    const p2 = criticPools(debates, 2);
    expect(p2.minus.map((r) => r.questionId)).toEqual(["q1"]); // unparsed at round 1 counts as wrong
    expect(p2.plus.map((r) => r.questionId)).toEqual(["q2", "q4"]);
    const p0 = criticPools(debates, 0);
    expect(p0.minus).toEqual([]); // q2: wrong at both rounds; q4: right then wrong
    expect(p0.plus.map((r) => r.questionId)).toEqual(["q1"]);
  });

  it("learns from the whole chain: every turn at ŷ is a target, the others stay context", () => {
    const minus = criticPools(debates, 1).minus[0]!; // q1: 5 then 7 = ŷ
    expect(minus.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(minus.messages[1]!.weight).toBe(0); // the wrong round-1 answer is context
    expect(minus.messages[3]!.weight).toBeUndefined();
    expect(minus.messages[3]!.content).toMatch(/^agent 1 round 2/);
    expect(minus.sourceTurnIds).toEqual(["q1/a1/r1", "q1/a1/r2"]);
    const plus = criticPools(debates, 1).plus[0]!; // q2: 3 then 3 = ŷ
    expect(plus.messages[1]!.weight).toBeUndefined(); // right at round 1: trained on too

    // Three rounds: 4 → 6 → 6 = ŷ: rounds 2 and 3 are targets, round 1 is context.
    const long = criticPools(
      [
        debate("q5", "6", [
          ["4", "6", "6"],
          ["6", "6", "6"],
        ]),
      ],
      0,
    ).minus[0]!;
    expect(long.messages.map((m) => (m.role === "assistant" ? (m.weight === 0 ? "ctx" : "train") : m.role))).toEqual([
      "user",
      "ctx",
      "user",
      "train",
      "user",
      "train",
    ]);
    // 4 → 5 → 6: the wrong middle turn stays context.
    const mid = criticPools(
      [
        debate("q6", "6", [
          ["4", "5", "6"],
          ["6", "6", "6"],
        ]),
      ],
      0,
    ).minus[0]!;
    expect(mid.messages.filter((m) => m.role === "assistant").map((m) => m.weight ?? 1)).toEqual([0, 0, 1]);
  });

  it("min_votes keeps only labels that enough agents gave in the final round", () => {
    // q1: 3 final votes for 7; q2: 2 for 3 (agent 0 ends at 4); q4: 2 for 9.
    expect(generatorData(debates, 0, { minVotes: 3 }).rows.map((r) => r.questionId)).toEqual(["q1"]);
    expect(criticPools(debates, 1, { minVotes: 3 }).minus.map((r) => r.questionId)).toEqual(["q1"]);
    expect(pooledData(debates, "first", "pooled", { minVotes: 3 }).rows.map((r) => r.questionId)).toEqual(["q1"]);
    expect(generatorData(debates, 0, { minVotes: 2 }).rows).toEqual(generatorData(debates, 0).rows);
  });

  it("mixes by w, deterministically for a seed", () => {
    const pools = {
      minus: Array.from({ length: 10 }, (_, i) => ({ questionId: `m${i}`, sourceTurnIds: [], messages: [] })),
      plus: Array.from({ length: 30 }, (_, i) => ({ questionId: `p${i}`, sourceTurnIds: [], messages: [] })),
    };
    const mix = mixCriticData(pools, 0, { w: 0.25, seed: 5 });
    expect(mix.rows).toHaveLength(40);
    expect(mix.rows.filter((r) => r.questionId.startsWith("m"))).toHaveLength(10);
    expect(mix.info.withReplacement).toBe(false);
    const half = mixCriticData(pools, 0, { w: 0.5, size: 20, seed: 5 });
    expect(half.rows.filter((r) => r.questionId.startsWith("m"))).toHaveLength(10);
    expect(half.rows.filter((r) => r.questionId.startsWith("p"))).toHaveLength(10);
    // the ratio holds even when C− is short: drawn with replacement
    const heavy = mixCriticData(pools, 0, { w: 0.75, seed: 5 });
    expect(heavy.rows.filter((r) => r.questionId.startsWith("m"))).toHaveLength(30);
    expect(heavy.info.withReplacement).toBe(true);
    expect(mixCriticData(pools, 0, { w: 0.75, seed: 5 }).rows).toEqual(heavy.rows);
    expect(mixCriticData(pools, 0, { w: 0.75, seed: 6 }).rows).not.toEqual(heavy.rows);
    // an empty pool hands its share to the other
    const onlyPlus = mixCriticData({ minus: [], plus: pools.plus }, 0, { w: 0.5, seed: 1 });
    expect(onlyPlus.rows).toHaveLength(30);
    expect(mixCriticData({ minus: [], plus: [] }, 0, { w: 0.5, seed: 1 }).rows).toHaveLength(0);
  });
});

describe("baseline data", () => {
  it("pooled data takes every agent's matching responses", () => {
    const first = pooledData(debates, "first");
    expect(first.rows.map((r) => r.sourceTurnIds[0])).toEqual(["q1/a0/r1", "q2/a1/r1", "q2/a2/r1", "q4/a0/r1", "q4/a2/r1"]);
    const all = pooledData(debates, "all");
    expect(all.rows.length).toBe(5 + 3 + 2 + 2); // + final rounds matching ŷ
  });

  it("concatenates agents' datasets for the all-data ablation", () => {
    const parts = [0, 1, 2].map((a) => generatorData(debates, a));
    expect(concatDatasets(parts).rows).toHaveLength(5);
  });

  it("STaR keeps ground-truth-right attempts and hinted rationalizations under the plain prompt", () => {
    const t = (id: string, answer: string | null) => ({
      turnId: id,
      round: 1,
      prompt: [{ role: "user" as const, content: "hint-free?" }],
      completion: `\\boxed{${answer}}`,
      answer,
    });
    const grade = (p: string | null, g: string) => p === g;
    const plainPrompt = [{ role: "user" as const, content: "plain" }];
    const out = starData(
      [
        { questionId: "a", gold: "1", attempts: [t("a0", "2"), t("a1", "1")], plainPrompt },
        {
          questionId: "b",
          gold: "5",
          attempts: [t("b0", "4")],
          rationalization: { ...t("b-hint", "5"), prompt: [{ role: "user", content: "with hint 5" }] },
          plainPrompt,
        },
        { questionId: "c", gold: "6", attempts: [t("c0", null)], rationalization: t("c-hint", "7"), plainPrompt },
      ],
      grade,
    );
    expect(out.rows.map((r) => r.sourceTurnIds[0])).toEqual(["a1", "b-hint"]);
    expect(out.rows[1]!.messages[0]!.content).toBe("plain");
    expect(out.info).toMatchObject({ direct: 1, rationalized: 1 });
  });
});
