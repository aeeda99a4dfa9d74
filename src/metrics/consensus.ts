/**
 * Consensus (paper §4.3): per question, the share of agents whose answer equals the most common answer;
 * averaged over questions. Lower consensus among independent (round-1) responses = more diverse agents.
 * Unparsed answers (null) count as disagreeing.
 */
export function consensus(answersPerQuestion: ReadonlyArray<ReadonlyArray<string | null>>): number {
  const shares: number[] = [];
  for (const answers of answersPerQuestion) {
    if (answers.length === 0) continue;
    const counts = new Map<string, number>();
    for (const a of answers) if (a !== null) counts.set(a, (counts.get(a) ?? 0) + 1);
    const top = Math.max(0, ...counts.values());
    shares.push(top / answers.length);
  }
  return shares.length ? shares.reduce((s, x) => s + x, 0) / shares.length : NaN;
}
