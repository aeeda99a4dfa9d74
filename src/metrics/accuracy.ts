/** Accuracy with its binomial standard error sqrt(p(1−p)/n); unparsed answers arrive here as `false`. */
export function accuracy(correct: readonly boolean[]): { accuracy: number; stderr: number; n: number } {
  const n = correct.length;
  if (n === 0) return { accuracy: 0, stderr: 0, n: 0 };
  const p = correct.filter(Boolean).length / n;
  return { accuracy: p, stderr: Math.sqrt((p * (1 - p)) / n), n };
}

/** Mean and sample standard deviation across seeds. */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  if (xs.length === 0) return { mean: NaN, std: NaN };
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { mean, std: Math.sqrt(v) };
}
