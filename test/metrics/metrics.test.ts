import { describe, expect, it } from "vitest";
import { accuracy, meanStd } from "../../src/metrics/accuracy.js";
import { consensus } from "../../src/metrics/consensus.js";
import { cosineDistance, embeddingDissimilarity } from "../../src/metrics/embedding.js";
import { crossAgentNll, klEstimate, type PairScore } from "../../src/metrics/likelihood.js";

describe("metrics", () => {
  it("accuracy counts unparsed as wrong and gives the binomial stderr", () => {
    const r = accuracy([true, false, false, true]);
    expect(r.accuracy).toBe(0.5);
    expect(r.stderr).toBeCloseTo(0.25, 10);
    expect(meanStd([0.4, 0.5, 0.6]).std).toBeCloseTo(0.1, 10);
  });

  it("consensus is the mean share agreeing with the plurality; unparsed disagrees", () => {
    expect(
      consensus([
        ["1", "1", "1"],
        ["1", "2", "3"],
      ]),
    ).toBeCloseTo((1 + 1 / 3) / 2, 10);
    expect(consensus([[null, null, "4"]])).toBeCloseTo(1 / 3, 10);
  });

  it("cross-agent NLL and the KL estimate use only other agents' scores", () => {
    const s: PairScore[] = [
      { scorer: 0, author: 0, responseId: "r0", logprob: -2, tokens: 2 },
      { scorer: 1, author: 0, responseId: "r0", logprob: -6, tokens: 2 },
      { scorer: 1, author: 1, responseId: "r1", logprob: -4, tokens: 4 },
      { scorer: 0, author: 1, responseId: "r1", logprob: -8, tokens: 4 },
    ];
    expect(crossAgentNll(s)).toBeCloseTo((3 + 2) / 2, 10);
    expect(klEstimate(s)).toBeCloseTo(((-2 + 6) / 2 + (-4 + 8) / 4) / 2, 10);
    // identical agents: zero KL
    expect(klEstimate(s.map((x) => ({ ...x, logprob: x.author === 0 ? -2 : -4 })))).toBe(0);
  });

  it("embedding dissimilarity is the mean pairwise cosine distance", () => {
    expect(cosineDistance([1, 0], [0, 1])).toBeCloseTo(1, 10);
    expect(cosineDistance([1, 1], [2, 2])).toBeCloseTo(0, 10);
    expect(
      embeddingDissimilarity([
        [
          [1, 0],
          [1, 0],
          [0, 1],
        ],
      ]),
    ).toBeCloseTo(2 / 3, 10);
  });
});
