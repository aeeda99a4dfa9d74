/**
 * GraphML (http://graphml.graphdrawing.org/) of interaction graphs: one <graph> per debate in one document,
 * directed, with typed <key>s for what a node, an edge and a graph carry, so networkx, igraph, yEd or Gephi
 * read the labels and texts. Node ids are unique in the document (GraphML requires it): n<graph>_<agent>_<round>.
 */
import type { InteractionGraph } from "./graph.js";

const KEYS: { id: string; for: "graph" | "node" | "edge"; type: "string" | "int" }[] = [
  { id: "debate", for: "graph", type: "string" },
  { id: "question_id", for: "graph", type: "string" },
  { id: "question", for: "graph", type: "string" },
  { id: "gold", for: "graph", type: "string" },
  { id: "final_answer", for: "graph", type: "string" },
  { id: "agents", for: "graph", type: "int" },
  { id: "rounds", for: "graph", type: "int" },
  { id: "agent", for: "node", type: "int" },
  { id: "round", for: "node", type: "int" },
  { id: "label", for: "node", type: "string" },
  { id: "answer", for: "node", type: "string" },
  { id: "text", for: "node", type: "string" },
  { id: "turn", for: "node", type: "string" },
  { id: "model", for: "node", type: "string" },
  { id: "kind", for: "edge", type: "string" },
];

/** XML 1.0 text: escaped, and characters XML cannot carry at all (controls other than tab/newline/CR) dropped. */
function xml(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
  );
}

const data = (key: string, v: string | number | null | undefined) =>
  v === null || v === undefined ? "" : `<data key="${key}">${xml(String(v))}</data>`;

export function toGraphml(graphs: readonly InteractionGraph[]): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
    '  xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
    ...KEYS.map((k) => `  <key id="${k.id}" for="${k.for}" attr.name="${k.id}" attr.type="${k.type}"/>`),
  ];
  graphs.forEach((g, gi) => {
    const nid = (i: number) => `n${gi}_${g.nodes[i]!.agent}_${g.nodes[i]!.round}`;
    out.push(`  <graph id="g${gi}" edgedefault="directed">`);
    out.push(
      `    ${data("debate", g.debateId)}${data("question_id", g.questionId)}${data("question", g.question)}${data("gold", g.gold)}${data("final_answer", g.finalAnswer)}${data("agents", g.agents)}${data("rounds", g.rounds)}`,
    );
    for (const n of g.nodes) {
      out.push(
        `    <node id="${nid(n.index)}">${data("agent", n.agent)}${data("round", n.round)}${data("label", n.label)}${data("answer", n.answer)}${data("text", n.text)}${data("turn", n.turnId)}${data("model", n.model)}</node>`,
      );
    }
    g.edges.forEach((e, ei) =>
      out.push(`    <edge id="e${gi}_${ei}" source="${nid(e.source)}" target="${nid(e.target)}">${data("kind", e.kind)}</edge>`),
    );
    out.push("  </graph>");
  });
  out.push("</graphml>", "");
  return out.join("\n");
}
