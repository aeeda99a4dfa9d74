import { createHash } from "node:crypto";

/**
 * Seeds derived from a run seed and a unit's identity (question, agent, round, ...), so that any unit
 * can be recomputed alone, in any order, on resume, and still draw the same numbers.
 */
export function deriveSeed(...parts: Array<string | number>): number {
  const h = createHash("sha256").update(parts.map(String).join("\u241f")).digest();
  return h.readUInt32LE(0);
}

/** A small, fast, seeded PRNG (mulberry32): uniform floats in [0, 1). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
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
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(items.length)]!;
  }
  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }
  /** k items without replacement (k ≤ n), or with replacement when `replace` is set. */
  sample<T>(items: readonly T[], k: number, replace = false): T[] {
    if (replace) return Array.from({ length: k }, () => this.pick(items));
    return this.shuffle(items).slice(0, Math.min(k, items.length));
  }
}
