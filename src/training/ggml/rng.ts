/**
 * Small seeded PRNG (splitmix32 → xorshift-style mulberry32). Every random choice of the trainer (LoRA init,
 * shuffling, dropout, validation split) draws from one of these, derived from the request seed and a purpose
 * label, so a run is reproducible and independent choices do not share a stream.
 */
export class Rng {
  private state: number;

  constructor(seed: number, purpose = "") {
    let h = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
    for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x85ebca6b) >>> 0;
    this.state = h ^ (h >>> 13);
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
}
