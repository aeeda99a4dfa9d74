import { Rng as BaseRng } from "../../util/rng.js";
import { trainerStreamSeedV1 } from "../../util/seed.js";

/**
 * The trainer's seeded PRNG: the project's mulberry32 (src/util/rng.ts), seeded from the request seed and a
 * purpose label so independent choices (LoRA init, shuffling, dropout, validation split) never share a stream.
 */
export class Rng extends BaseRng {
  constructor(seed: number, purpose = "") {
    super(trainerStreamSeedV1(seed, purpose));
  }
}
