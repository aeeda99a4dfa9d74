import type { TreeNode } from "../../src/protocols/malt/credit.js";

const roles = ["generator", "verifier", "refiner"];

/** A full MALT tree of the given branching; `answer(path)` gives each refiner leaf's answer. */
export function maltTree(branching: number[], answer: (path: string) => string | null): TreeNode[] {
  const out: TreeNode[] = [];
  const grow = (prefix: string, depth: number) => {
    for (let i = 0; i < branching[depth]!; i++) {
      const node = prefix ? `${prefix}.${i}` : `${i}`;
      out.push({
        turnId: `t${node}`,
        role: roles[depth]!,
        node,
        prompt: [{ role: "user", content: `prompt of ${prefix || "root"}` }],
        completion: `said ${node}`,
        answer: depth === 2 ? answer(node) : "x",
      });
      if (depth < 2) grow(node, depth + 1);
    }
  };
  grow("", 0);
  return out;
}

/** Leaves answering "7" are right. */
export const sevenIsRight = (a: string | null) => (a === "7" ? 1 : 0);
