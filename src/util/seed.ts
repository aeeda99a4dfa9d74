import { createHash } from "node:crypto";

/**
 * Every seed derivation in the project, in one place. A seed is derived (never drawn) from a run seed and a
 * unit's identity (question, agent, round, ...), so any unit can be recomputed alone, in any order, on resume,
 * and still draw the same numbers.
 *
 * New code uses `deriveSeed`. The others are older derivations kept byte for byte, each under a name that
 * says its version, because stored runs, generated task data and the tiny model's weights were made with
 * them: changing one would silently change what an existing run or model reproduces.
 * `test/util/seed.test.ts` pins a known value of each.
 */

/** The first 4 bytes of SHA-256 over the parts joined by `sep`. */
function sha256Word(parts: readonly (string | number)[], sep: string, endian: "le" | "be"): number {
  const h = createHash("sha256").update(parts.map(String).join(sep)).digest();
  return endian === "le" ? h.readUInt32LE(0) : h.readUInt32BE(0);
}

/** The project's seed derivation (v1): SHA-256 over the parts joined by ␟, first 4 bytes little-endian. */
export function deriveSeed(...parts: Array<string | number>): number {
  return sha256Word(parts, "\u241f", "le");
}

/** One protocol turn's identity (see `turnSeedV1`). */
export interface TurnKey {
  runSeed: number;
  questionKey: string;
  agent: string;
  /** The debate round; ignored when `node` is given. */
  round?: number;
  /** A tree turn's node path (its position instead of the round). */
  node?: string;
  scope?: string;
}

/**
 * Protocol turn seeds (v1):
 *
 *   seed = first 4 bytes of SHA-256("society/turn-seed/v1" ␀ runSeed ␀ scope ␀ questionKey ␀ agent ␀ position),
 *          big-endian, masked to 31 bits
 *
 * `questionKey` is the task's stable question identity (`task:split:id`, not a database id), `agent` names the
 * speaker by role and seat (`generator:0`, `critic:2`, `refiner:0`, `vote`), `position` is the turn's place in
 * its unit: the round for a debate turn, the node path for a tree turn (`0.2.1`). `scope` names the protocol
 * and unit of work (the debate keeps its first form, `test/it0`, without a protocol prefix; MALT uses
 * `malt/train/it0`); it is empty for `society eval`, so single/majority/debate share their round-1 samples
 * and are paired. 31 bits: llama.cpp reads seed 0xFFFFFFFF as "random", and 31-bit values are safe everywhere
 * a seed is an int.
 */
export function turnSeedV1(k: TurnKey): number {
  const position = k.node !== undefined && k.node !== "" ? k.node : String(k.round ?? "");
  return sha256Word(["society/turn-seed/v1", k.runSeed, k.scope ?? "", k.questionKey, k.agent, position], "\u0000", "be") & 0x7fffffff;
}

/** A uniform draw in [0, 1) fixed by a seed and a label (v1; debate tie-breaks). */
export function unitDrawV1(seed: number, label = "draw"): number {
  return sha256Word(["society/unit/v1", seed, label], "\u0000", "be") / 2 ** 32;
}

/**
 * Task generation and sampling (v1): a cyrb53-style string hash of the parts joined by ␀, as a 32-bit
 * unsigned seed. The arithmetic task's questions and train/test split (and the tiny model's corpus built
 * from them) depend on it.
 */
export function cyrb53SeedV1(...parts: (string | number)[]): number {
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

/** The splitmix32 output function: one step from state `s`, also the seeder of `Xoshiro128Rng`. */
export function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Model files (v1): FNV-1a over the labels, from the base seed, through one splitmix32 step, e.g.
 * `fnvSplitmixSeedV1(7, "tiny-init")`. The tiny model's weights, corpus and training order depend on it.
 */
export function fnvSplitmixSeedV1(seed: number, ...labels: (string | number)[]): number {
  let h = (seed >>> 0) ^ 0x811c9dc5;
  for (const ch of labels.join("\u0000")) h = Math.imul(h ^ ch.codePointAt(0)!, 0x01000193) >>> 0;
  return splitmix32(h)();
}

/**
 * The ggml trainer's streams (v1): the request seed mixed with a purpose label (LoRA init, shuffling,
 * dropout, validation split), so independent choices never share a stream.
 */
export function trainerStreamSeedV1(seed: number, purpose = ""): number {
  let h = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}
