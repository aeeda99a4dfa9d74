/** What reaches SAIE's learner data from a discussion: which turns, which chat, which target. */
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/chat.js";
import { goldSolutionData, saieDiscussionData, type Discussion, type DiscussionTurn } from "../../src/datasets/saie-data.js";

const open: ChatMessage[] = [{ role: "user", content: "What is 1+2? Answer in \\boxed{}." }];

/** Learner 1 (wrong) → supportive remark → learner 2 (right) → adversarial remark → learner 3 (wrong again). */
function discussion(id: string, reference: string | null = "3"): Discussion {
  const learner = (round: number, prompt: ChatMessage[], completion: string, answer: string): DiscussionTurn => ({
    turnId: `${id}-l${round}`,
    role: "learner",
    round,
    prompt,
    completion,
    answer,
  });
  const partner = (round: number, ask: string, completion: string, answer: string, remark: DiscussionTurn["remark"]): DiscussionTurn => ({
    turnId: `${id}-p${round}`,
    role: "partner",
    round,
    prompt: [{ role: "user", content: ask }],
    completion,
    answer,
    remark,
  });
  const l1 = learner(1, open, "1+2=4 \\boxed{4}", "4");
  const p1 = partner(1, "back 3", "it is \\boxed{3}", "3", { kind: "supportive", claim: "3" });
  /** The learner's chat after its turn `l` and the partner's remark `p` on it. */
  const after = (l: DiscussionTurn, p: DiscussionTurn): ChatMessage[] => [
    ...l.prompt,
    { role: "assistant", content: l.completion },
    { role: "user", content: `remark: ${p.completion}` },
  ];
  const l2 = learner(2, after(l1, p1), "so \\boxed{3}", "3");
  const p2 = partner(2, "argue 5", "no, \\boxed{4}", "4", { kind: "adversarial", claim: "5" });
  const l3 = learner(3, after(l2, p2), "then \\boxed{4}", "4");
  // Stored order is not discussion order: the builder orders by round, learner before the remark on it.
  return { questionId: id, reference, goldSolution: "1+2 = 3. The answer is \\boxed{3}.", turns: [p2, l3, l1, p1, l2] };
}

describe("SAIE learner data", () => {
  it("gold: every learner turn is a row — its chat so far, earlier answers as context only, the gold solution as target", () => {
    const d = saieDiscussionData([discussion("q1")], "gold");
    expect(d.kind).toBe("saie");
    expect(d.rows).toHaveLength(3);
    const [a, b, c] = d.rows;
    expect(a!.messages).toEqual([...open, { role: "assistant", content: "1+2 = 3. The answer is \\boxed{3}." }]);
    expect(b!.messages.map((m) => [m.role, m.weight])).toEqual([
      ["user", undefined],
      ["assistant", 0],
      ["user", undefined],
      ["assistant", undefined],
    ]);
    expect(b!.messages[1]!.content).toBe("1+2=4 \\boxed{4}"); // the learner's own (wrong) first answer is in its context
    expect(c!.messages.at(-2)!.content).toBe("remark: no, \\boxed{4}"); // after the adversarial remark, still the gold target
    expect(c!.messages.at(-1)!.content).toContain("\\boxed{3}");
    expect(c!.messages.filter((m) => m.role === "assistant" && m.weight === 0)).toHaveLength(2);
    expect([a, b, c].map((r) => r!.sourceTurnIds)).toEqual([
      ["q1-l1"],
      ["q1-l1", "q1-p1", "q1-l2"],
      ["q1-l1", "q1-p1", "q1-l2", "q1-p2", "q1-l3"],
    ]);
    expect(d.info).toMatchObject({
      target: "gold",
      discussions: 1,
      learnerTurns: 3,
      rows: 3,
      supportive: 1,
      adversarial: 1,
      partnerOnClaim: 0.5,
      learnerFinalOnReference: 0,
    });
  });

  it("own (majority reference, no gold): only the learner's replies that agree with the reference, as it said them", () => {
    const d = saieDiscussionData([discussion("q1"), discussion("q2", null)], "own");
    expect(d.rows).toHaveLength(1);
    expect(d.rows[0]!.messages.at(-1)).toEqual({ role: "assistant", content: "so \\boxed{3}" });
    expect(d.rows[0]!.questionId).toBe("q1");
    expect(d.info).toMatchObject({ discussions: 2, noReference: 1, rows: 1 });
  });

  it("a discussion without a reference gives no rows; gold without a solution is an error", () => {
    expect(saieDiscussionData([discussion("q", null)], "gold").rows).toEqual([]);
    const { goldSolution: _, ...bare } = discussion("q");
    expect(() => saieDiscussionData([bare], "gold")).toThrow(/no gold solution/);
  });

  it("warm-up and standard fine-tuning rows: the question's chat answered by its gold solution", () => {
    const d = goldSolutionData([{ questionId: "q", prompt: open, solution: "S \\boxed{3}" }], "warmup");
    expect(d).toMatchObject({
      kind: "warmup",
      rows: [{ questionId: "q", sourceTurnIds: [], messages: [...open, { role: "assistant", content: "S \\boxed{3}" }] }],
    });
  });
});
