/**
 * What every objective's plan does the same way (the set-up TRL keeps in its one trainer): how many positions
 * a row gets, which tokens are valid, how an over-long sequence is cut, and the order of each epoch.
 */
import { UserError } from "../../../errors.js";
import type { Piece } from "../data/rows.js";
import { Rng } from "../rng.js";
import type { MicroBatch, PlanEnv } from "./objective.js";

const DEFAULT_MAX_CONTEXT = 1024;

/** Positions per row: the request's, else the longest sequence rounded up to 8 (≤ 1024); never past the model's context. */
export function pickContext(longest: number, requested: number | undefined, nCtxTrain: number, warn: (m: string) => void): number {
  let T = requested ?? Math.min(DEFAULT_MAX_CONTEXT, Math.ceil(Math.max(longest, 1) / 8) * 8);
  if (T > nCtxTrain) {
    warn(`contextLength ${T} exceeds the model's training context ${nCtxTrain}; using ${nCtxTrain}`);
    T = nCtxTrain;
  }
  return T;
}

/** A UserError naming `where` (e.g. "pair 3") when one of its tokens is not an id in the model's vocabulary. */
export function checkVocab(tokens: readonly number[], nVocab: number, where: string): void {
  const bad = tokens.find((t) => !Number.isInteger(t) || t < 0 || t >= nVocab);
  if (bad !== undefined) throw new UserError(`train: ${where} has token ${bad} outside the vocabulary (0..${nVocab - 1})`);
}

/** `p` cut to the T + 1 tokens a row of T positions holds (its start kept); `p` itself when it fits. */
export function cutPiece(p: Piece, T: number): Piece {
  return p.tokens.length > T + 1 ? { tokens: p.tokens.slice(0, T + 1), mask: p.mask.slice(0, T + 1) } : p;
}

/**
 * Every epoch's micro-batches: the training units (sequences' rows, pairs, graphs) in a fresh seeded order
 * each epoch, then batched. One stream ("epoch-order") for every objective, so a run's order is its seed's.
 */
export function epochBatches<U, P>(
  units: readonly U[],
  env: Pick<PlanEnv, "epochs" | "seed">,
  batch: (units: U[]) => MicroBatch<P>[],
): MicroBatch<P>[][] {
  const shuffle = new Rng(env.seed, "epoch-order");
  return Array.from({ length: env.epochs }, () => batch(shuffle.shuffle(units)));
}
