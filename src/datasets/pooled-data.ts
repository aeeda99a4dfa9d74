import { usableLabel } from "./labels.js";
import type { BuiltDataset, DatasetRow, DebateTranscript } from "./types.js";

/**
 * One model's data from every agent's responses that match ŷ (baselines: single-agent FT takes every
 * response of its own debate that matches the debate's ŷ, paper §2.2; majority FT takes its own plain
 * samples that match their vote). `rounds: "first"` keeps round-1 responses only; `"all"` keeps every
 * round's, with earlier assistant turns as context (weight 0).
 */
export function pooledData(
  debates: readonly DebateTranscript[],
  rounds: "first" | "all",
  kind: "single" | "pooled" = "pooled",
  opts: { minVotes?: number } = {},
): BuiltDataset {
  const rows: DatasetRow[] = [];
  for (const d of debates) {
    if (!usableLabel(d, opts.minVotes)) continue;
    for (const chain of d.chains) {
      for (const t of chain.turns) {
        if (rounds === "first" && t.round !== 1) continue;
        if (t.answer === null || t.answer !== d.consensus) continue;
        rows.push({
          questionId: d.questionId,
          sourceTurnIds: [t.turnId],
          messages: [
            ...t.prompt.map((m) => (m.role === "assistant" ? { ...m, weight: 0 as const } : m)),
            { role: "assistant", content: t.completion },
          ],
        });
      }
    }
  }
  return { kind, agent: 0, rows, info: { debates: debates.length, kept: rows.length, rounds } };
}

/** The ablation "one model trained on all agents' data": every agent's dataset, concatenated. */
export function concatDatasets(parts: readonly BuiltDataset[]): BuiltDataset {
  const rows = parts.flatMap((p) => p.rows);
  return { kind: "pooled", agent: 0, rows, info: { parts: parts.length, rows: rows.length } };
}
