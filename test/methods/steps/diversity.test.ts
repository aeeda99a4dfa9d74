/** Embedding dissimilarity over stored debates: which responses it embeds and how it averages (fake embedder: pure logic). */
import { describe, expect, it } from "vitest";
import type { Embedder } from "../../../src/metrics/embedder.js";
import { embeddingDiversity } from "../../../src/methods/steps/diversity.js";
import type { MethodContext } from "../../../src/methods/types.js";
import type { StoredDebate } from "../../../src/methods/steps/transcripts.js";

/** Vectors by text: "a" and "b" orthogonal, "a2" parallel to "a". */
const VEC: Record<string, number[]> = { a: [1, 0], a2: [2, 0], b: [0, 1], late: [5, 5] };

function fakeEmbedder(calls: string[]): Embedder {
  return { name: "fake", embed: async (t) => (calls.push(t), VEC[t]!), close: async () => {} };
}

function debate(round1: string[], round2: string[] = []): StoredDebate {
  const chains = round1.map((c, agent) => ({
    agent,
    turns: [
      { round: 1, completion: c, prompt: [], answer: null, turnId: `t${agent}r1` },
      ...(round2[agent] !== undefined ? [{ round: 2, completion: round2[agent]!, prompt: [], answer: null, turnId: `t${agent}r2` }] : []),
    ],
  }));
  return { debateId: "d", questionRowId: "q", transcript: { chains, consensus: null }, turns: [] } as unknown as StoredDebate;
}

describe("embeddingDiversity", () => {
  it("averages per question the mean pairwise cosine distance of round-1 responses only", async () => {
    const calls: string[] = [];
    const ctx = { embedder: fakeEmbedder(calls) } as unknown as MethodContext;
    // q1: a, a2 (distance 0), b (distance 1 to both) → mean (0 + 1 + 1)/3; q2: a, b → 1.
    const r = await embeddingDiversity(ctx, [debate(["a", "a2", "b"], ["late", "late", "late"]), debate(["a", "b"])]);
    expect(r.embedding_dissimilarity).toBeCloseTo((2 / 3 + 1) / 2, 12);
    expect(calls).not.toContain("late"); // later rounds are not the independent answers
    expect(calls.filter((c) => c === "a")).toHaveLength(1); // each distinct text embedded once
  });

  it("is absent without an embedding model or with a single agent", async () => {
    expect(await embeddingDiversity({} as MethodContext, [debate(["a", "b"])])).toEqual({});
    const ctx = { embedder: fakeEmbedder([]) } as unknown as MethodContext;
    expect(await embeddingDiversity(ctx, [debate(["a"])])).toEqual({});
  });
});

describe("likelihoodDiversity (§4.2 held-out critics, KL to the base)", () => {
  // Log-probability by scoring model and completion; every completion is 2 tokens.
  const LP: Record<string, Record<string, number>> = {
    base: { g0: -4, g1: -6, c0: -8, c1: -10 },
    gen0: { g0: -2, g1: -6, c0: -8, c1: -10 },
    gen1: { g0: -4, g1: -4, c0: -8, c1: -10 },
    crit0: { g0: -4, g1: -6, c0: -2, c1: -12 },
    crit1: { g0: -4, g1: -6, c0: -14, c1: -4 },
  };
  const scored: string[] = [];
  const backend = {
    score: async (m: { base: string }, _p: unknown, completion: string) => (
      scored.push(`${m.base}:${completion}`),
      { logprob: LP[m.base]![completion]!, tokens: 2 }
    ),
  };
  const stored = () => {
    const chains = [0, 1].map((agent) => ({
      agent,
      turns: [
        { round: 1, completion: `g${agent}`, prompt: [], answer: null, turnId: `t${agent}r1` },
        { round: 2, completion: `c${agent}`, prompt: [], answer: null, turnId: `t${agent}r2` },
      ],
    }));
    return { debateId: "d", questionRowId: "q", transcript: { chains, consensus: null }, turns: [] } as unknown as StoredDebate;
  };
  const ctx = { backend, base: { base: "base" }, seed: 1, config: { metrics: { nll_samples: 4 } } } as unknown as MethodContext;

  it("scores each critic's final response under the other critic, and each agent's own responses under the base", async () => {
    const { likelihoodDiversity } = await import("../../../src/methods/steps/diversity.js");
    const seats = { generators: [{ base: "gen0" }, { base: "gen1" }], critics: [{ base: "crit0" }, { base: "crit1" }] };
    const f = await likelihoodDiversity(ctx, [stored()], seats, 1, "k");
    // Held-out critic NLL per token: crit1 scores c0 (−14/2), crit0 scores c1 (−12/2) → mean 6.5.
    expect(f.run.likelihood_diversity).toBeCloseTo(6.5);
    // Generators' round 1: gen1 scores g0 (−4/2), gen0 scores g1 (−6/2) → 2.5.
    expect(f.run.cross_agent_nll).toBeCloseTo(2.5);
    // KL to base per token on own responses: gen0 (−2+4)/2 = 1, gen1 (−4+6)/2 = 1, crit0 (−2+8)/2 = 3, crit1 (−4+10)/2 = 3.
    expect(f.agents).toEqual({ generator0: 1, generator1: 1, critic0: 3, critic1: 3 });
    expect(f.run.kl_to_base).toBeCloseTo(2);
  });

  it("an agent that is still the base has KL 0 without being scored by the base", async () => {
    const { likelihoodDiversity } = await import("../../../src/methods/steps/diversity.js");
    scored.length = 0;
    const seats = { generators: [{ base: "base" }, { base: "gen1" }], critics: [{ base: "crit0" }, { base: "base" }] };
    const f = await likelihoodDiversity(ctx, [stored()], seats, 1, "k");
    expect(f.agents.generator0).toBe(0);
    expect(f.agents.critic1).toBe(0);
    expect(f.agents.generator1).toBeCloseTo(1);
    // g0 and c1 (written by base-seated agents) are scored by the base once, as a seat's score, not a
    // second time as a reference.
    expect(scored.filter((s) => s === "base:g0" || s === "base:c1")).toEqual(["base:g0", "base:c1"]);
  });

  it("seats filled with copies of one model score each response once (the untrained society, single-model methods)", async () => {
    const { likelihoodDiversity } = await import("../../../src/methods/steps/diversity.js");
    scored.length = 0;
    const b = { base: "base" };
    const f = await likelihoodDiversity(ctx, [stored()], { generators: [b, b], critics: [b, b] }, 0, "k");
    expect(scored.sort()).toEqual(["base:c0", "base:c1", "base:g0", "base:g1"]);
    // The same figures as scoring every pair: the base under itself.
    expect(f.run.cross_agent_nll).toBeCloseTo((4 / 2 + 6 / 2) / 2);
    expect(f.run.likelihood_diversity).toBeCloseTo((8 / 2 + 10 / 2) / 2);
    expect(f.run.kl_to_base).toBe(0);
  });
});
