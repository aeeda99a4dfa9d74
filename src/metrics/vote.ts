/**
 * Accuracy of a majority vote over one question's answers, in expectation over the tie-break: 1 when the
 * right answer alone has the most votes, 1/t when it is one of t tied, else 0. Unparsed answers (null)
 * cast no vote. Expected rather than drawn, so a comparison between two vote counts is not blurred by
 * coin flips (the debate engine's stored votes draw a seeded tie-break; this is for measurements).
 */
export function expectedVoteCorrect(answers: ReadonlyArray<string | null>, isRight: (answer: string) => boolean): number {
  const counts = new Map<string, number>();
  for (const a of answers) if (a !== null) counts.set(a, (counts.get(a) ?? 0) + 1);
  if (counts.size === 0) return 0;
  const top = Math.max(...counts.values());
  const tied = [...counts].filter(([, n]) => n === top).map(([a]) => a);
  return tied.filter(isRight).length / tied.length;
}

/**
 * maj@k from n ≥ k samples per question: the mean of expectedVoteCorrect over every k-subset of the
 * samples (all C(n, k) of them, so it uses every sample and depends on no sampling order).
 */
export function majorityAtK(answers: ReadonlyArray<string | null>, k: number, isRight: (answer: string) => boolean): number {
  if (k < 1 || k > answers.length) throw new Error(`maj@${k} needs at least ${k} samples (got ${answers.length})`);
  let sum = 0,
    n = 0;
  const pick: Array<string | null> = [];
  const walk = (from: number) => {
    if (pick.length === k) {
      sum += expectedVoteCorrect(pick, isRight);
      n++;
      return;
    }
    for (let i = from; i <= answers.length - (k - pick.length); i++) {
      pick.push(answers[i]!);
      walk(i + 1);
      pick.pop();
    }
  };
  walk(0);
  return sum / n;
}

/** Mean over questions of a per-question score. */
export function meanOver<T>(items: readonly T[], score: (t: T) => number): number {
  return items.length ? items.reduce((s, t) => s + score(t), 0) / items.length : NaN;
}
