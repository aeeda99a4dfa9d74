import type { InteractionGraph, NodeLabel } from "./graph.js";

/** Node labels of one round over a set of graphs, and how each agent's label moved from the round before. */
export interface RoundLabelStats {
  round: number;
  correct: number;
  incorrect: number;
  absent: number;
  /** From round r − 1 to r, same agent (0 in round 1): wrong → right, right → wrong. */
  fixed: number;
  broken: number;
}

/** Per-round label counts over graphs of one shape (rounds may differ; each graph adds to the rounds it has). */
export function roundLabelStats(graphs: readonly InteractionGraph[]): RoundLabelStats[] {
  const rounds = Math.max(0, ...graphs.map((g) => g.rounds));
  const out: RoundLabelStats[] = Array.from({ length: rounds }, (_, i) => ({
    round: i + 1,
    correct: 0,
    incorrect: 0,
    absent: 0,
    fixed: 0,
    broken: 0,
  }));
  for (const g of graphs) {
    const label = new Map<string, NodeLabel>(g.nodes.map((n) => [`${n.agent}:${n.round}`, n.label]));
    for (const n of g.nodes) {
      const s = out[n.round - 1]!;
      s[n.label]++;
      const before = label.get(`${n.agent}:${n.round - 1}`);
      if (before === "incorrect" && n.label === "correct") s.fixed++;
      if (before === "correct" && n.label === "incorrect") s.broken++;
    }
  }
  return out;
}
