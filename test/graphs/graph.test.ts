import { describe, expect, it } from "vitest";
import { interactionEdges, interactionGraph, nodeIndex, roundLabelStats, type GraphTurn } from "../../src/graphs/index.js";

const turn = (agent: number, round: number, correct: boolean, answer: string | null = correct ? "7" : "3"): GraphTurn => ({
  agent,
  round,
  turnId: `t${agent}${round}`,
  completion: `agent ${agent} round ${round}`,
  answer,
  correct,
});

/** One debate's graph (2 agents, 3 rounds unless `over` says otherwise) over these turns. */
const graphOf = (turns: GraphTurn[], over: Partial<Parameters<typeof interactionGraph>[0]> = {}) =>
  interactionGraph({ debateId: "d", questionId: "q", question: "", gold: "7", agents: 2, rounds: 3, finalAnswer: null, turns, ...over });

describe("interaction graph", () => {
  it("3 agents × 4 rounds: 12 nodes agent-major, 27 edges from each round to every node of the next", () => {
    const edges = interactionEdges(3, 4);
    expect(edges).toHaveLength(27);
    // Every edge goes one round forward; every (i, r) reaches every (j, r + 1) exactly once.
    const seen = new Set(edges.map((e) => `${e.source}>${e.target}`));
    expect(seen.size).toBe(27);
    for (let r = 1; r < 4; r++)
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++) {
          expect(seen.has(`${nodeIndex(i, r, 4)}>${nodeIndex(j, r + 1, 4)}`)).toBe(true);
        }
    expect(edges.filter((e) => e.kind === "self").map((e) => [e.source, e.target])).toEqual([
      [0, 1],
      [4, 5],
      [8, 9],
      [1, 2],
      [5, 6],
      [9, 10],
      [2, 3],
      [6, 7],
      [10, 11],
    ]);
    // The paper's code lists the same 27 pairs (some cross edges reversed in time); as undirected sets they agree.
    const paper = [
      [0, 1],
      [1, 2],
      [2, 3],
      [4, 5],
      [5, 6],
      [6, 7],
      [8, 9],
      [9, 10],
      [10, 11],
      [0, 5],
      [5, 8],
      [1, 4],
      [1, 8],
      [0, 9],
      [4, 9],
      [2, 5],
      [2, 9],
      [1, 6],
      [6, 9],
      [1, 10],
      [5, 10],
      [3, 6],
      [3, 10],
      [2, 7],
      [7, 10],
      [2, 11],
      [6, 11],
    ];
    const undirected = (ps: number[][]) => new Set(ps.map(([a, b]) => `${Math.min(a!, b!)}-${Math.max(a!, b!)}`));
    expect(undirected(edges.map((e) => [e.source, e.target]))).toEqual(undirected(paper));
  });

  it("labels nodes correct / incorrect by the grade and absent where the agent did not speak", () => {
    const g = graphOf([turn(0, 1, false), turn(1, 1, true), turn(0, 2, true), turn(1, 2, true), turn(0, 3, false, null)], {
      question: "1+2*3",
      finalAnswer: "7",
    });
    expect(g.nodes.map((n) => `${n.agent}${n.round}:${n.label}`)).toEqual([
      "01:incorrect",
      "02:correct",
      "03:incorrect",
      "11:correct",
      "12:correct",
      "13:absent",
    ]);
    expect(g.nodes[5]).toMatchObject({ text: null, answer: null, turnId: null });
    expect(g.edges).toHaveLength(8);
  });

  it("refuses turns outside the shape or two turns for one node", () => {
    const shape = { gold: "1", rounds: 2 };
    expect(() => graphOf([turn(2, 1, true)], shape)).toThrow(/outside 2 agents × 2 rounds/);
    expect(() => graphOf([turn(0, 1, true), turn(0, 1, false)], shape)).toThrow(/two turns for agent 0 in round 1/);
  });

  it("per-round statistics count labels and the same agent's fixes and breaks", () => {
    const g = graphOf([turn(0, 1, false), turn(1, 1, true), turn(0, 2, true), turn(1, 2, false), turn(0, 3, true)]);
    expect(roundLabelStats([g, g])).toEqual([
      { round: 1, correct: 2, incorrect: 2, absent: 0, fixed: 0, broken: 0 },
      { round: 2, correct: 2, incorrect: 2, absent: 0, fixed: 2, broken: 2 },
      { round: 3, correct: 2, incorrect: 0, absent: 2, fixed: 0, broken: 0 },
    ]);
  });
});
