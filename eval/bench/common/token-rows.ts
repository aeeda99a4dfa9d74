import { Rng } from "../../../src/training/ggml/rng.js";

/**
 * `n` seeded rows of T + 1 random token ids (from 5 up, below 355: plain tokens of any tiny vocabulary), each
 * with the loss on every position but the first: training input whose content does not matter, only its shape.
 */
export function randomTokenRows(seed: number, label: string, n: number, T: number): { tokens: number[]; lossMask: number[] }[] {
  const rng = new Rng(seed, label);
  return Array.from({ length: n }, () => {
    const tokens = Array.from({ length: T + 1 }, () => 5 + rng.int(350));
    return { tokens, lossMask: tokens.map((_, i) => (i === 0 ? 0 : 1)) };
  });
}
