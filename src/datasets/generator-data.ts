import { usableLabel } from "./labels.js";
import type { BuiltDataset, DatasetRow, DebateTranscript } from "./types.js";

/**
 * D^G_n (paper §3.2): generator n's own round-1 responses whose answer equals the debate's
 * pseudo-label ŷ. No ground truth is used; unparsed answers never match. `minVotes`: see labels.ts.
 */
export function generatorData(debates: readonly DebateTranscript[], agent: number, opts: { minVotes?: number } = {}): BuiltDataset {
  const rows: DatasetRow[] = [];
  for (const d of debates) {
    if (!usableLabel(d, opts.minVotes)) continue;
    const first = chainOf(d, agent)?.turns.find((t) => t.round === 1);
    if (!first || first.answer === null || first.answer !== d.consensus) continue;
    rows.push({
      questionId: d.questionId,
      sourceTurnIds: [first.turnId],
      messages: [...first.prompt, { role: "assistant", content: first.completion }],
    });
  }
  return { kind: "G", agent, rows, info: { debates: debates.length, kept: rows.length } };
}

export function chainOf(d: DebateTranscript, agent: number) {
  return d.chains.find((c) => c.agent === agent);
}
