/**
 * The report's interaction-graph section (MAGDi §3.1): per-round label counts of each debate group, and a
 * drawing of a few graphs — nodes at (round, agent) coloured by label, an edge from each node to every node
 * of the next round.
 */
import type { TopLevelSpec } from "vega-lite";
import { NODE_LABELS, roundLabelStats, type InteractionGraph, type RoundLabelStats } from "../graphs/index.js";
import type { Chart } from "./charts.js";

export interface GraphSection {
  /** e.g. "teachers · train · it0". */
  source: string;
  graphs: number;
  agents: number;
  rounds: RoundLabelStats[];
  /** A few graphs to draw (the first ones of the group). */
  examples: InteractionGraph[];
}

export function graphSection(source: string, graphs: readonly InteractionGraph[], examples = 3): GraphSection {
  return {
    source,
    graphs: graphs.length,
    agents: Math.max(0, ...graphs.map((g) => g.agents)),
    rounds: roundLabelStats(graphs),
    examples: graphs.slice(0, examples),
  };
}

const COLORS = { domain: [...NODE_LABELS], range: ["#2e7d32", "#c62828", "#9e9e9e"] };

/** Stacked node labels per round, a panel per debate group. */
export function graphLabelChart(sections: readonly GraphSection[]): Chart {
  const values = sections.flatMap((s) =>
    s.rounds.flatMap((r) => NODE_LABELS.map((label) => ({ source: s.source, round: r.round, label, nodes: r[label] }))),
  );
  return {
    name: "graph-labels",
    title: "Interaction-graph node labels per round",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values },
      facet: { column: { field: "source", type: "nominal", title: null } },
      spec: {
        width: 200,
        height: 200,
        mark: "bar",
        encoding: {
          x: { field: "round", type: "ordinal", axis: { labelAngle: 0 } },
          y: { field: "nodes", type: "quantitative", stack: "normalize", title: "share of nodes", axis: { format: "%" } },
          color: { field: "label", type: "nominal", scale: COLORS, sort: [...NODE_LABELS] },
          order: { field: "label", sort: "descending" },
        },
      },
    } as TopLevelSpec,
  };
}

/** A few graphs drawn: x = round, y = agent; edges r → r + 1; node colour = label, its text = the answer. */
export function graphExamplesChart(section: GraphSection): Chart {
  const values = section.examples.flatMap((g, k) => {
    const name = `${k + 1}. ${g.question} (gold ${g.gold})`;
    const at = (i: number) => g.nodes[i]!;
    return [
      ...g.edges.map((e) => ({
        graph: name,
        kind: "edge",
        round: at(e.source).round,
        agent: at(e.source).agent,
        round2: at(e.target).round,
        agent2: at(e.target).agent,
        self: e.kind === "self",
      })),
      ...g.nodes.map((n) => ({
        graph: name,
        kind: "node",
        round: n.round,
        agent: n.agent,
        label: n.label,
        answer: n.answer ?? (n.label === "absent" ? "" : "?"),
      })),
    ];
  });
  return {
    name: "graph-examples",
    title: `Interaction graphs (${section.source}): agents × rounds, edges to the next round`,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values },
      facet: { column: { field: "graph", type: "nominal", title: null, header: { labelLimit: 220 } } },
      spec: {
        width: 220,
        height: 40 + 40 * Math.max(1, section.agents),
        encoding: {
          x: {
            field: "round",
            type: "quantitative",
            title: "round",
            scale: { domain: [0.6, Math.max(2, ...section.rounds.map((r) => r.round)) + 0.4] },
            axis: { tickMinStep: 1, format: "d" },
          },
          y: {
            field: "agent",
            type: "quantitative",
            title: "agent",
            scale: { domain: [section.agents - 0.4, -0.6] },
            axis: { tickMinStep: 1, format: "d" },
          },
        },
        layer: [
          {
            transform: [{ filter: "datum.kind === 'edge'" }],
            mark: { type: "rule", opacity: 0.35 },
            encoding: {
              x2: { field: "round2" },
              y2: { field: "agent2" },
              strokeDash: {
                field: "self",
                type: "nominal",
                legend: null,
                scale: {
                  domain: [true, false],
                  range: [
                    [1, 0],
                    [3, 2],
                  ],
                },
              },
            },
          },
          {
            transform: [{ filter: "datum.kind === 'node'" }],
            mark: { type: "circle", size: 420, opacity: 1 },
            encoding: { color: { field: "label", type: "nominal", scale: COLORS, sort: [...NODE_LABELS] } },
          },
          {
            transform: [{ filter: "datum.kind === 'node'" }],
            mark: { type: "text", color: "white", fontSize: 9, fontWeight: "bold" },
            encoding: { text: { field: "answer" } },
          },
        ],
      },
    } as TopLevelSpec,
  };
}

export function graphCharts(sections: readonly GraphSection[]): Chart[] {
  if (!sections.length) return [];
  // Draw the graphs of the group distillation reads (train split) when there is one, else the first.
  const drawn = sections.find((s) => s.source.includes("train")) ?? sections[0]!;
  return [graphLabelChart(sections), graphExamplesChart(drawn)];
}

/** Per group and round: label counts and the same agent's fixes (wrong → right) and breaks (right → wrong). */
export function graphRows(sections: readonly GraphSection[]): { header: string[]; rows: string[][] } {
  const header = ["debates", "round", "correct", "incorrect", "absent", "fixed", "broken", "% correct"];
  const rows = sections.flatMap((s) =>
    s.rounds.map((r) => {
      const present = r.correct + r.incorrect;
      return [
        `${s.source} (${s.graphs})`,
        `${r.round}`,
        `${r.correct}`,
        `${r.incorrect}`,
        `${r.absent}`,
        `${r.fixed}`,
        `${r.broken}`,
        present ? ((100 * r.correct) / present).toFixed(1) : "–",
      ];
    }),
  );
  return { header, rows };
}

export const GRAPH_NOTE =
  "A node per (agent, round) response, labelled against the gold answer (unparsed = incorrect; absent = the agent did not speak); " +
  "edges run from each node to every node of the next round. Fixed / broken: the same agent moved from a wrong to a right answer, or back, since the previous round.";
