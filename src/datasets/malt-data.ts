/**
 * MALT's per-role training data from valued search trees (Motwani et al., 2024, §3.2–3.3):
 *   SFT: every node of the role whose value is above the threshold (a generator's answer whose
 *        critiques and refinements mostly end right; a verifier's critique whose refinements do;
 *        a refiner's right final answer), as its own chat plus what it said;
 *   DPO: sibling pairs under one parent — the same prompt, chosen = a correct-valued reply, rejected =
 *        an incorrect-valued one; every such combination, except replies with identical text (they
 *        would carry no preference).
 * The paper trains the generator with SFT only, the verifier and refiner with SFT then DPO.
 */
import type { ScoredTree } from "../protocols/malt/credit.js";
import { ancestry } from "../protocols/malt/credit.js";
import type { BuiltDataset, BuiltPairs, DatasetRow, PairRow } from "./types.js";

export function maltSftData(trees: readonly ScoredTree[], role: string): BuiltDataset {
  const rows: DatasetRow[] = [];
  let nodes = 0;
  for (const t of trees) {
    for (const n of t.nodes) {
      if (n.role !== role) continue;
      nodes++;
      if (!n.correct) continue;
      rows.push({
        questionId: t.questionId,
        sourceTurnIds: ancestry(n)
          .map((a) => a.turnId)
          .reverse(),
        // The generator's answer a verifier or refiner reads is context, not theirs to learn (weight 0).
        messages: [
          ...n.prompt.map((m) => (m.role === "assistant" ? { ...m, weight: 0 as const } : m)),
          { role: "assistant", content: n.completion },
        ],
      });
    }
  }
  return { kind: "sft", agent: 0, rows, info: { role, trees: trees.length, nodes, kept: rows.length } };
}

export function maltPairs(trees: readonly ScoredTree[], role: string): BuiltPairs {
  const rows: PairRow[] = [];
  let parents = 0,
    identical = 0;
  for (const t of trees) {
    for (const p of t.nodes) {
      const kids = p.children.filter((c) => c.role === role);
      if (!kids.length) continue;
      parents++;
      for (const chosen of kids.filter((c) => c.correct)) {
        for (const rejected of kids.filter((c) => !c.correct)) {
          if (chosen.completion === rejected.completion) {
            identical++;
            continue;
          }
          rows.push({
            questionId: t.questionId,
            sourceTurnIds: [chosen.turnId, rejected.turnId],
            prompt: chosen.prompt,
            chosen: [{ role: "assistant", content: chosen.completion }],
            rejected: [{ role: "assistant", content: rejected.completion }],
          });
        }
      }
    }
  }
  return { kind: "pairs", agent: 0, rows, info: { role, parents, pairs: rows.length, identicalSkipped: identical } };
}
