import { Rng as BaseRng } from "../../util/rng.js";

/**
 * The trainer's seeded PRNG: the project's mulberry32 (src/util/rng.ts), seeded from the request seed and a
 * purpose label so independent choices (LoRA init, shuffling, dropout, validation split) never share a stream.
 */
export class Rng extends BaseRng {
  constructor(seed: number, purpose = "") {
    let h = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
    for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x85ebca6b) >>> 0;
    super(h ^ (h >>> 13));
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}
