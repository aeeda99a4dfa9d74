/**
 * MALT's credit assignment (value iteration over the search tree, pure): each refiner leaf earns the
 * binary reward of its answer against the ground truth (an unparsed answer earns 0); every other node's
 * value is the mean of its children's values, so a verifier's value is the share of its refinements that
 * were right and a generator's the mean of its verifiers'. A node is labelled correct when its value is
 * above the threshold (0.5): with an even branching, a node exactly at 0.5 counts as incorrect.
 */
import type { ChatMessage } from "../../backends/types.js";

export interface TreeNode {
  turnId: string;
  role: string;
  /** Node path ("0.2.1"); the parent's is the path without its last part. */
  node: string;
  prompt: ChatMessage[];
  completion: string;
  /** The answer's vote key (canonical form), null when unparsed. */
  answer: string | null;
}

export interface ScoredNode extends TreeNode {
  value: number;
  correct: boolean;
  parent: ScoredNode | null;
  children: ScoredNode[];
}

/** One question's tree, valued. */
export interface ScoredTree {
  questionId: string;
  roots: ScoredNode[];
  /** Every node, parents before children. */
  nodes: ScoredNode[];
  leaves: ScoredNode[];
}

export const parentPath = (node: string): string | null => {
  const i = node.lastIndexOf(".");
  return i < 0 ? null : node.slice(0, i);
};

/**
 * Values a tree's nodes. `reward(answer)` is 1 for a right leaf answer, else 0. A node whose parent is
 * missing is an error: trees are read only once complete.
 */
export function assignCredit(
  questionId: string,
  nodes: readonly TreeNode[],
  reward: (answer: string | null) => number,
  threshold = 0.5,
): ScoredTree {
  const byPath = new Map<string, ScoredNode>();
  const sorted = [...nodes].sort((a, b) => depth(a.node) - depth(b.node) || a.node.localeCompare(b.node, "en", { numeric: true }));
  for (const n of sorted) {
    if (byPath.has(n.node)) throw new Error(`malt tree ${questionId}: node ${n.node} appears twice`);
    const pp = parentPath(n.node);
    const parent = pp === null ? null : (byPath.get(pp) ?? null);
    if (pp !== null && !parent) throw new Error(`malt tree ${questionId}: node ${n.node} has no parent ${pp}`);
    const s: ScoredNode = { ...n, value: 0, correct: false, parent, children: [] };
    parent?.children.push(s);
    byPath.set(n.node, s);
  }
  const all = [...byPath.values()];
  // Children first (deepest paths last in `all`), so each mean reads finished values.
  for (const n of [...all].reverse()) {
    n.value = n.children.length ? n.children.reduce((s, c) => s + c.value, 0) / n.children.length : reward(n.answer);
    n.correct = n.value > threshold;
  }
  return { questionId, roots: all.filter((n) => !n.parent), nodes: all, leaves: all.filter((n) => n.children.length === 0) };
}

const depth = (node: string) => node.split(".").length;

/** The nodes from the root down to `n` (inclusive): the turns its prompt was built from. */
export function ancestry(n: ScoredNode): ScoredNode[] {
  const out: ScoredNode[] = [];
  for (let x: ScoredNode | null = n; x; x = x.parent) out.unshift(x);
  return out;
}
