/**
 * Seeds of every protocol's turns, derived (never drawn) so a rerun or a resumed run samples exactly the
 * same turns:
 *
 *   seed = first 4 bytes of SHA-256("society/turn-seed/v1" ␀ runSeed ␀ scope ␀ questionKey ␀ agent ␀ position),
 *          big-endian, masked to 31 bits
 *
 * `questionKey` is the task's stable question identity (`task:split:id`, not a database id), `agent`
 * names the speaker by role and seat (`generator:0`, `critic:2`, `refiner:0`, `vote`), `position` is the
 * turn's place in its unit: the round for a debate turn (agent and round identify it), the node path for
 * a tree turn (`0.2.1`). `scope` names the protocol and unit of work (the debate keeps its first scope
 * form, `test/it0`, without a protocol prefix, so its seeds predate this module; MALT uses
 * `malt/train/it0`); it is empty for `society eval`, so single/majority/debate share their round-1
 * samples and are paired. 31 bits: llama.cpp reads seed 0xFFFFFFFF as "random", and 31-bit values are
 * safe everywhere a seed is an int.
 */
import { createHash } from "node:crypto";

export interface SeedKey {
  runSeed: number;
  questionKey: string;
  agent: string;
  /** The debate round; ignored when `node` is given. */
  round?: number;
  /** A tree turn's node path (its position instead of the round). */
  node?: string;
  scope?: string;
}

export function deriveSeed(k: SeedKey): number {
  const position = k.node !== undefined && k.node !== "" ? k.node : String(k.round ?? "");
  const h = createHash("sha256")
    .update(["society/turn-seed/v1", String(k.runSeed), k.scope ?? "", k.questionKey, k.agent, position].join("\u0000"))
    .digest();
  return h.readUInt32BE(0) & 0x7fffffff;
}

/** A uniform draw in [0, 1) fixed by the seed (used for tie-breaks). */
export function seededUnit(seed: number, label = "draw"): number {
  const h = createHash("sha256").update(`society/unit/v1\u0000${seed}\u0000${label}`).digest();
  return h.readUInt32BE(0) / 2 ** 32;
}

export function questionKey(q: { task: string; split: string; id: string }): string {
  return `${q.task}:${q.split}:${q.id}`;
}
