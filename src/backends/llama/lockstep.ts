/**
 * Keeps concurrent sequences of one context decoding in the same batch.
 *
 * Why: node-llama-cpp's batch loop decodes whatever is queued the moment the previous batch's sampling
 * finishes. Sequences whose generators resume a few microtasks later miss that batch and drift out of
 * phase for good: measured on 3 concurrent sequences, 384 tokens took 192 decodes of 2 tokens instead
 * of 128 decodes of 3. This prioritization strategy holds a batch back (returns nothing to decode, which
 * node-llama-cpp's loop retries on the next microtask) until every sequence in use has queued its
 * tokens, or `maxWaitMs` passes (a sequence may be busy elsewhere: clearing its state, or finishing).
 * Then it splits the batch like node-llama-cpp's default "maximumParallelism".
 */
import type { BatchItem, PrioritizedBatchItem } from "node-llama-cpp";

export function lockstepStrategy(inUse: () => number, maxWaitMs = 2): (o: { items: readonly BatchItem[]; size: number }) => PrioritizedBatchItem[] {
  let waitingSince: number | undefined;
  return ({ items, size }) => {
    if (items.length < inUse()) {
      const now = performance.now();
      waitingSince ??= now;
      if (now - waitingSince < maxWaitMs) return [];
    }
    waitingSince = undefined;
    return maximumParallelism(items, size);
  };
}

/** node-llama-cpp 3.22.1's maximumParallelismStrategy (not exported): share the batch evenly, then fill it (here the free count also drops in the middle pass). */
export function maximumParallelism(items: readonly BatchItem[], size: number): PrioritizedBatchItem[] {
  let left = size;
  const each = Math.floor(left / items.length);
  const res: PrioritizedBatchItem[] = [];
  const clipped: PrioritizedBatchItem[] = [];
  for (const item of items) {
    const p = { item, processAmount: Math.min(item.tokens.length, left, each) };
    res.push(p);
    left -= p.processAmount;
    if (p.processAmount < item.tokens.length) clipped.push(p);
    if (left === 0) break;
  }
  for (let passes = 3; left > 0 && clipped.length > 0 && passes > 0; passes--) {
    const minIncrease = Math.ceil(left / clipped.length);
    for (let i = 0; i < clipped.length && left > 0; i++) {
      const p = clipped[i]!;
      const rest = p.item.tokens.length - p.processAmount;
      const inc = Math.min(rest, left, minIncrease);
      p.processAmount += inc;
      left -= inc;
      if (inc === rest) clipped.splice(i--, 1);
    }
  }
  clipped.sort((a, b) => b.item.evaluationPriority - a.item.evaluationPriority);
  for (let i = 0; i < clipped.length && left > 0; i++) {
    const p = clipped[i]!;
    const rest = p.item.tokens.length - p.processAmount;
    const inc = Math.min(rest, left);
    p.processAmount += inc;
    left -= inc;
    if (inc === rest) clipped.splice(i--, 1);
  }
  return res;
}
