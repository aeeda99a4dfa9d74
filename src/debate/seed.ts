/**
 * Seeds of the debate protocol, derived (never drawn) so a rerun or a resumed run samples exactly the
 * same turns:
 *
 *   seed = first 4 bytes of SHA-256("society/turn-seed/v1" ␀ runSeed ␀ scope ␀ questionKey ␀ agent ␀ round),
 *          big-endian, masked to 31 bits
 *
 * `questionKey` is the task's stable question identity (`task:split:id`, not a database id), `agent`
 * names the speaker (`generator:0`, `critic:2`, `summarizer:1`, `vote`), `scope` separates otherwise
 * identical units (empty for evaluation, so single/majority/debate share their round-1 samples and are
 * paired; the training loop passes e.g. `multiagent-ft/l2`). 31 bits: llama.cpp reads seed 0xFFFFFFFF as
 * "random", and 31-bit values are safe everywhere a seed is an int.
 */
import { createHash } from "node:crypto";

export interface SeedKey {
  runSeed: number;
  questionKey: string;
  agent: string;
  round: number;
  scope?: string;
}

export function deriveSeed(k: SeedKey): number {
  const h = createHash("sha256")
    .update(["society/turn-seed/v1", String(k.runSeed), k.scope ?? "", k.questionKey, k.agent, String(k.round)].join("\u0000"))
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
