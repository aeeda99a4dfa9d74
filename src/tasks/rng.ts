import { Rng } from "../util/rng.js";
import { cyrb53SeedV1 } from "../util/seed.js";

/**
 * Seeded streams for task generation and sampling. Each stream is derived by hashing its identity (seed,
 * split, index, …), so any item can be regenerated without replaying others. The hash is `cyrb53SeedV1`,
 * kept because the generated arithmetic sequences (and the tiny model's corpus built from them) depend on it.
 */

/** A seeded stream for one identity. */
export function rngFor(...parts: (string | number)[]): Rng {
  return new Rng(cyrb53SeedV1(...parts));
}

/** A seeded Fisher–Yates shuffle; returns a new array. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  return rngFor("shuffle", seed).shuffle(items);
}
