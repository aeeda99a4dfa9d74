import { Rng } from "../util/rng.js";

/**
 * Seeds for task generation and sampling. Each stream is derived by hashing its identity (seed,
 * split, index, …), so any item can be regenerated without replaying others. The PRNG itself is the
 * shared one (src/util/rng.ts); this string hash is kept because the generated arithmetic sequences
 * (and the tiny model's corpus built from them) depend on it.
 */

/** cyrb53-style string hash, returned as a 32-bit unsigned seed. */
export function hashSeed(...parts: (string | number)[]): number {
  const str = parts.join("\u0000");
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ (h2 >>> 11)) >>> 0;
}

/** A seeded stream for one identity. */
export function rngFor(...parts: (string | number)[]): Rng {
  return new Rng(hashSeed(...parts));
}

/** A seeded Fisher–Yates shuffle; returns a new array. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  return rngFor("shuffle", seed).shuffle(items);
}
