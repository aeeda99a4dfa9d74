/**
 * Multi-agent interaction graphs (MAGDi, Chen et al. 2024, §3.1): one node per (agent, round) response of a
 * debate, labelled correct / incorrect against the gold answer, or absent when that agent did not speak in
 * that round (ReConcile stops once the agents agree; a node the store lacks is absent here too). Edges run
 * from every round-r node to every round-(r+1) node — the same agent's next answer ("self") and every other
 * agent's ("cross") — because in round r+1 each agent reads all of round r.
 *
 * Nodes are ordered agent-major (agent 0's rounds 1..R, then agent 1's, …), as in the paper's code
 * (dinobby/MAGDi utils.py), so node k is agent ⌊k/R⌋ in round k mod R + 1. Its `construct_graph` lists the
 * same 27 undirected pairs for 3 agents × 4 rounds but orients some cross edges backwards in time
 * (e.g. [1, 4]: agent 0 round 2 → agent 1 round 1); we orient all of them forward, as the paper defines.
 */

export type NodeLabel = "correct" | "incorrect" | "absent";

export const NODE_LABELS: readonly NodeLabel[] = ["correct", "incorrect", "absent"];

export interface GraphNode {
  /** Position in `nodes` (agent-major). */
  index: number;
  /** 0-based agent (seat) of the debate. */
  agent: number;
  /** 1-based round. */
  round: number;
  label: NodeLabel;
  /** The parsed answer's vote key (null: unparsed or absent). */
  answer: string | null;
  /** The response (null when absent). */
  text: string | null;
  turnId: string | null;
  /** The model that spoke, when known (heterogeneous teachers). */
  model?: string;
}

export interface GraphEdge {
  source: number;
  target: number;
  kind: "self" | "cross";
}

/** A debate's interaction graph: what it was built from (GraphInput, less the turns) and its nodes and edges. */
export interface InteractionGraph extends Omit<GraphInput, "turns"> {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** One stored response, as the graph needs it. */
export interface GraphTurn {
  agent: number;
  round: number;
  turnId: string;
  completion: string;
  /** Vote key of the parsed answer; null when unparsed. */
  answer: string | null;
  /** Graded against gold by the task (an unparsed answer is incorrect). */
  correct: boolean;
  model?: string;
}

export interface GraphInput {
  debateId: string;
  /** The task's question id (stable across runs). */
  questionId: string;
  question: string;
  gold: string;
  agents: number;
  rounds: number;
  /** The debate's final answer (majority of its last round), null when none parsed. */
  finalAnswer: string | null;
  turns: readonly GraphTurn[];
}

export const nodeIndex = (agent: number, round: number, rounds: number) => agent * rounds + (round - 1);

/** The fixed edge set of an N-agent, R-round debate: (i, r) → (j, r + 1) for every i, j. */
export function interactionEdges(agents: number, rounds: number): GraphEdge[] {
  const edges: GraphEdge[] = [];
  for (let r = 1; r < rounds; r++) {
    for (let i = 0; i < agents; i++) {
      for (let j = 0; j < agents; j++) {
        edges.push({ source: nodeIndex(i, r, rounds), target: nodeIndex(j, r + 1, rounds), kind: i === j ? "self" : "cross" });
      }
    }
  }
  return edges;
}

export function interactionGraph(g: GraphInput): InteractionGraph {
  if (!(Number.isInteger(g.agents) && g.agents >= 1 && Number.isInteger(g.rounds) && g.rounds >= 1)) {
    throw new Error(`interaction graph of debate ${g.debateId}: needs ≥ 1 agent and ≥ 1 round (got ${g.agents} × ${g.rounds})`);
  }
  const at = new Map<number, GraphTurn>();
  for (const t of g.turns) {
    if (t.agent < 0 || t.agent >= g.agents || t.round < 1 || t.round > g.rounds) {
      throw new Error(
        `interaction graph of debate ${g.debateId}: turn ${t.turnId} (agent ${t.agent}, round ${t.round}) is outside ${g.agents} agents × ${g.rounds} rounds`,
      );
    }
    const k = nodeIndex(t.agent, t.round, g.rounds);
    if (at.has(k)) throw new Error(`interaction graph of debate ${g.debateId}: two turns for agent ${t.agent} in round ${t.round}`);
    at.set(k, t);
  }
  const nodes: GraphNode[] = [];
  for (let agent = 0; agent < g.agents; agent++) {
    for (let round = 1; round <= g.rounds; round++) {
      const index = nodeIndex(agent, round, g.rounds);
      const t = at.get(index);
      nodes.push({
        index,
        agent,
        round,
        label: !t ? "absent" : t.correct ? "correct" : "incorrect",
        answer: t?.answer ?? null,
        text: t?.completion ?? null,
        turnId: t?.turnId ?? null,
        ...(t?.model !== undefined ? { model: t.model } : {}),
      });
    }
  }
  return {
    debateId: g.debateId,
    questionId: g.questionId,
    question: g.question,
    gold: g.gold,
    agents: g.agents,
    rounds: g.rounds,
    finalAnswer: g.finalAnswer,
    nodes,
    edges: interactionEdges(g.agents, g.rounds),
  };
}
