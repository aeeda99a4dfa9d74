import type { DatasetRow, DebateTranscript } from "./types.js";

/**
 * The pseudo-label ŷ of a debate and how well it is supported. The paper takes ŷ as the plain majority
 * of the final round; `minVotes` (a deviation from the paper, off by default) keeps a debate's label only
 * when at least that many agents gave ŷ in the final round, so a tie-break among scattered answers does
 * not become training data.
 */
export function finalVotes(d: DebateTranscript): number {
  if (d.consensus === null) return 0;
  let n = 0;
  for (const c of d.chains) {
    const last = [...c.turns].sort((a, b) => a.round - b.round).at(-1);
    if (last?.answer === d.consensus) n++;
  }
  return n;
}

/** Whether a debate's ŷ may label training data. */
export function usableLabel(d: DebateTranscript, minVotes?: number): boolean {
  return d.consensus !== null && (!minVotes || finalVotes(d) >= minVotes);
}

/**
 * Label precision (diagnosis only, never used to train): the share of a dataset's rows whose question's
 * ŷ is right against gold. Every row of D^G, C− and C+ is trained toward ŷ, so this is how often the
 * society teaches itself the truth.
 */
export function labelPrecision(
  rows: readonly DatasetRow[],
  labelOf: (questionId: string) => string | null,
  isRight: (questionId: string, answer: string | null) => boolean,
): number {
  if (rows.length === 0) return NaN;
  return rows.filter((r) => isRight(r.questionId, labelOf(r.questionId))).length / rows.length;
}
