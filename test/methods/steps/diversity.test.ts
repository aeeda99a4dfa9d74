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
