/** 1 − cosine similarity. */
export function cosineDistance(a: readonly number[], b: readonly number[]): number {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  if (na === 0 || nb === 0) return 1;
  return 1 - dot / Math.sqrt(na * nb);
}

/**
 * Response embedding dissimilarity: per question, the mean cosine distance between the embeddings of
 * different agents' responses; averaged over questions.
 */
export function embeddingDissimilarity(perQuestion: ReadonlyArray<ReadonlyArray<readonly number[]>>): number {
  const means: number[] = [];
  for (const vecs of perQuestion) {
    const ds: number[] = [];
    for (let i = 0; i < vecs.length; i++) for (let j = i + 1; j < vecs.length; j++) ds.push(cosineDistance(vecs[i]!, vecs[j]!));
    if (ds.length) means.push(ds.reduce((s, x) => s + x, 0) / ds.length);
  }
  return means.length ? means.reduce((s, x) => s + x, 0) / means.length : NaN;
}
