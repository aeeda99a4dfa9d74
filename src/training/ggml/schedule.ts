/**
 * Learning rate at optimizer step `step` (1-based) of `total`: linear warm-up from lr/warmup to lr over
 * `warmup` steps, then constant, or linear/cosine decay towards 0 (HF-style: the last step still has a small positive rate).
 */
export function learningRate(schedule: "cosine" | "linear" | "constant", lr: number, step: number, total: number, warmup: number): number {
  if (warmup > 0 && step <= warmup) return (lr * step) / warmup;
  if (schedule === "constant") return lr;
  const span = Math.max(1, total - warmup);
  // 0 at the first step after warm-up, (span−1)/span at the last: every step moves the weights.
  const progress = Math.min(1, Math.max(0, (step - warmup - 1) / span));
  if (schedule === "linear") return lr * (1 - progress);
  return 0.5 * lr * (1 + Math.cos(Math.PI * progress));
}
