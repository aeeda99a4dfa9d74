/**
 * Small seeded PRNG (splitmix32 seeding a xoshiro128**), so model init and corpora are reproducible
 * byte for byte from a seed, independent of Math.random and platform.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [lo, hi], inclusive. */
  int(lo: number, hi: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Derives a 32-bit seed from a base seed and labels, e.g. seedFrom(7, "corpus", "train"). */
export function seedFrom(seed: number, ...labels: (string | number)[]): number {
  let h = (seed >>> 0) ^ 0x811c9dc5;
  for (const ch of labels.join("\u0000")) h = Math.imul(h ^ ch.codePointAt(0)!, 0x01000193) >>> 0;
  return splitmix32(h)();
}

export function createRng(seed: number): Rng {
  const sm = splitmix32(seed);
  let a = sm(), b = sm(), c = sm(), d = sm();
  const u32 = () => {
    const r = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = rotl(d, 11);
    return r;
  };
  let spare: number | undefined;
  const rng: Rng = {
    next: () => u32() / 2 ** 32,
    int: (lo, hi) => lo + Math.floor(rng.next() * (hi - lo + 1)),
    normal: () => {
      if (spare !== undefined) { const s = spare; spare = undefined; return s; }
      let u = 0;
      while (u === 0) u = rng.next();
      const v = rng.next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
  return rng;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
