/**
 * The final answer of a debate (or of k samples): a majority vote over the parsed answers, grouped by
 * the task's canonical form. An unparsed answer never wins (it casts no vote; if nobody parsed, there
 * is no answer and the question counts as wrong). A tie is broken by a uniform draw fixed by `seed`,
 * over the tied canonical keys in sorted order, and the draw is returned so it can be stored.
 */
import { unitDrawV1 } from "../util/seed.js";

export interface Ballot {
  /** The raw extracted answer, or null when the reply could not be parsed. */
  answer: string | null;
}

export interface TieBreakRecord {
  candidates: string[];
  chosen: string;
  rule: string;
  seed: number;
}

export interface VoteResult {
  /** The representative raw answer of the winning group (the first ballot in order that has it), or null. */
  answer: string | null;
  /** The winning canonical key, or null. */
  key: string | null;
  /** Canonical key → number of ballots (parsed ones only). */
  votes: Record<string, number>;
  tieBreak: TieBreakRecord | null;
}

export const TIE_RULE = "uniform draw over sorted tied keys, sha256(seed)";

export function majorityVote(ballots: readonly Ballot[], canonical: (answer: string) => string, seed: number): VoteResult {
  const votes: Record<string, number> = {};
  const firstAnswer = new Map<string, string>();
  for (const b of ballots) {
    if (b.answer === null) continue;
    const key = canonical(b.answer);
    votes[key] = (votes[key] ?? 0) + 1;
    if (!firstAnswer.has(key)) firstAnswer.set(key, b.answer);
  }
  const keys = Object.keys(votes);
  if (keys.length === 0) return { answer: null, key: null, votes, tieBreak: null };
  const top = Math.max(...keys.map((k) => votes[k]!));
  const tied = keys.filter((k) => votes[k] === top).sort();
  let key = tied[0]!;
  let tieBreak: TieBreakRecord | null = null;
  if (tied.length > 1) {
    key = tied[Math.floor(unitDrawV1(seed, "tie") * tied.length)]!;
    tieBreak = { candidates: tied, chosen: key, rule: TIE_RULE, seed };
  }
  return { answer: firstAnswer.get(key)!, key, votes, tieBreak };
}
