import { expect, it } from "vitest";
import { magdiData, removeAgreement } from "../../src/datasets/magdi-data.js";
import { interactionGraph } from "../../src/graphs/index.js";

it("agreement sentences go, as in the paper's code", () => {
  expect(removeAgreement("I agree with agent 2. 2*3=6. So the answer is 7")).toBe("2*3=6. So the answer is 7");
  expect(removeAgreement("I disagree. 1+1=2")).toBe("1+1=2");
  expect(removeAgreement("2+2=4")).toBe("2+2=4");
});

it("every node becomes the question plus its reply (absent: None); correct nodes are the chat rows", () => {
  const g = interactionGraph({
    debateId: "d",
    questionId: "q1",
    question: "1+2*3",
    gold: "7",
    agents: 2,
    rounds: 2,
    finalAnswer: "7",
    turns: [
      { agent: 0, round: 1, turnId: "t1", completion: "\\boxed{9}", answer: "9", correct: false },
      { agent: 0, round: 2, turnId: "t2", completion: "I agree with you. 2*3=6 1+6=7 \\boxed{7}", answer: "7", correct: true },
      { agent: 1, round: 1, turnId: "t3", completion: "2*3=6 1+6=7 \\boxed{7}", answer: "7", correct: true },
    ],
  });
  const prompt = [{ role: "user" as const, content: "What is 1+2*3?" }];
  const { graphs, correct } = magdiData([g], () => prompt);
  expect(graphs[0]!.nodes.map((n) => [n.label, n.messages[1]!.content])).toEqual([
    ["incorrect", "\\boxed{9}"],
    ["correct", "2*3=6 1+6=7 \\boxed{7}"],
    ["correct", "2*3=6 1+6=7 \\boxed{7}"],
    ["absent", "None"],
  ]);
  expect(graphs[0]!.nodes.every((n) => n.messages[0] === prompt[0])).toBe(true);
  expect(graphs[0]!.edges).toEqual([
    [0, 1],
    [0, 3],
    [2, 1],
    [2, 3],
  ]);
  expect(correct.rows.map((r) => r.sourceTurnIds)).toEqual([["t2"], ["t3"]]);
  expect(correct.info).toEqual({ graphs: 1, correct: 2, incorrect: 1, absent: 1 });
});
