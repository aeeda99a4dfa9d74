import { describe, expect, it } from "vitest";
import { maltTree, sevenIsRight } from "../support/malt-tree.js";
import { maltPairs, maltSftData } from "../../src/datasets/malt-data.js";
import { assignCredit } from "../../src/protocols/malt/credit.js";

const tree = maltTree;
const reward = sevenIsRight;

describe("MALT data", () => {
  const right = new Set(["0.0.0", "0.0.1", "0.1.0", "1.0.0", "1.0.1", "1.1.0", "1.1.1"]);
  // Branching [2, 2, 2]: generator 0 has verifiers at 2/2 and 1/2; generator 1 at 2/2 and 2/2.
  const t = assignCredit(
    "q1",
    tree([2, 2, 2], (p) => (right.has(p) ? "7" : "8")),
    reward,
  );

  it("SFT: each role's correct-valued nodes, as their chat plus what they said, traced to their turns", () => {
    const g = maltSftData([t], "generator");
    expect(g.rows.map((r) => r.sourceTurnIds[0])).toEqual(["t0", "t1"]); // 0.75 and 1.0
    const v = maltSftData([t], "verifier");
    expect(v.rows.map((r) => r.sourceTurnIds[0])).toEqual(["t0.0", "t1.0", "t1.1"]); // 0.1 is at 0.5: out
    expect(v.rows[0]!).toEqual({
      questionId: "q1",
      sourceTurnIds: ["t0.0", "t0"],
      messages: [
        { role: "user", content: "prompt of 0" },
        { role: "assistant", content: "said 0.0" },
      ],
    });
    const r = maltSftData([t], "refiner");
    expect(r.rows).toHaveLength(7);
    expect(r.info).toMatchObject({ nodes: 8, kept: 7 });
  });

  it("SFT: the generator's answer inside a verifier's or refiner's chat is context only (weight 0)", () => {
    const withContext = tree([1, 1, 1], () => "7").map((n) =>
      n.role === "generator"
        ? n
        : {
            ...n,
            prompt: [
              { role: "user" as const, content: "q?" },
              { role: "assistant" as const, content: "said 0" },
              { role: "user" as const, content: "check" },
            ],
          },
    );
    const [row] = maltSftData([assignCredit("q", withContext, reward)], "refiner").rows;
    expect(row!.messages).toEqual([
      { role: "user", content: "q?" },
      { role: "assistant", content: "said 0", weight: 0 },
      { role: "user", content: "check" },
      { role: "assistant", content: "said 0.0.0" },
    ]);
  });

  it("DPO: correct vs incorrect siblings under one parent, with the shared prompt; none for the generator", () => {
    const v = maltPairs([t], "verifier");
    expect(v.rows).toEqual([
      {
        questionId: "q1",
        sourceTurnIds: ["t0.0", "t0.1"],
        prompt: [{ role: "user", content: "prompt of 0" }],
        chosen: [{ role: "assistant", content: "said 0.0" }],
        rejected: [{ role: "assistant", content: "said 0.1" }],
      },
    ]);
    const r = maltPairs([t], "refiner");
    expect(r.rows.map((p) => p.sourceTurnIds)).toEqual([["t0.1.0", "t0.1.1"]]);
    expect(maltPairs([t], "generator").rows).toEqual([]);
  });

  it("DPO: every chosen × rejected combination, skipping replies with identical text", () => {
    const nodes = tree([1, 1, 3], (p) => (p === "0.0.2" ? "8" : "7")).map((n) =>
      n.node === "0.0.1" ? { ...n, completion: "same" } : n.node === "0.0.2" ? { ...n, completion: "same" } : n,
    );
    const pairs = maltPairs([assignCredit("q", nodes, reward)], "refiner");
    expect(pairs.rows.map((p) => p.sourceTurnIds)).toEqual([["t0.0.0", "t0.0.2"]]);
    expect(pairs.info).toMatchObject({ identicalSkipped: 1 });
  });
});
