/**
 * MAGDi's training data (Chen et al., 2024; dinobby/MAGDi utils.py generate_ordered_list): each interaction
 * graph of the teachers' debate becomes a TrainGraph for the student, every node a chat of the question as the
 * student is asked it (its round-1 prompt: the student answers alone) and that node's response as the reply.
 * As in the code, sentences opening with "I agree" / "I disagree" are dropped (they address other agents,
 * whom the student never sees) and an absent node's reply is "None". The correct nodes are also stored as a
 * chat dataset (what the next-token term trains on, for export and the report).
 */
import type { ChatMessage } from "../chat.js";
import type { InteractionGraph } from "../graphs/index.js";
import type { BuiltDataset, DatasetRow } from "./types.js";

/** One graph as the student trains on it (the shape of the trainer's TrainGraph, which methods pass on). */
export interface StudentGraph {
  nodes: { messages: ChatMessage[]; label: "correct" | "incorrect" | "absent" }[];
  edges: [number, number][];
}

/** utils.py remove_agreement: split on ". ", drop the sentences that start with an agreement phrase. */
export function removeAgreement(text: string, phrases: readonly string[] = ["I disagree", "I agree"]): string {
  return text
    .split(". ")
    .filter((s) => !phrases.some((p) => s.startsWith(p)))
    .join(". ");
}

export interface MagdiData {
  graphs: StudentGraph[];
  /** The correct nodes as chat rows (with their turns). */
  correct: BuiltDataset;
}

/** `prompt(g)`: the student's prompt for the graph's question. */
export function magdiData(graphs: readonly InteractionGraph[], prompt: (g: InteractionGraph) => ChatMessage[]): MagdiData {
  const rows: DatasetRow[] = [];
  const out: StudentGraph[] = graphs.map((g) => {
    const p = prompt(g);
    const nodes = g.nodes.map((n) => {
      const reply = n.label === "absent" || n.text === null ? "None" : removeAgreement(n.text);
      const messages: ChatMessage[] = [...p, { role: "assistant", content: reply }];
      if (n.label === "correct") rows.push({ questionId: g.questionId, sourceTurnIds: [n.turnId!], messages });
      return { messages, label: n.label };
    });
    return { nodes, edges: g.edges.map((e) => [e.source, e.target] as [number, number]) };
  });
  const count = (l: string) => graphs.reduce((a, g) => a + g.nodes.filter((n) => n.label === l).length, 0);
  return {
    graphs: out,
    correct: {
      kind: "magdi",
      agent: 0,
      rows,
      info: { graphs: graphs.length, correct: count("correct"), incorrect: count("incorrect"), absent: count("absent") },
    },
  };
}
