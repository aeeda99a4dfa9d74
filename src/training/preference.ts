/** Checks preference pairs as the trainers receive them (TrainRequest.pairs); every problem a UserError naming the field. */
import { UserError } from "../errors.js";
import type { ChatMessage, PreferencePair } from "./types.js";

const ROLES = new Set(["system", "user", "assistant"]);

function checkMessages(ms: unknown, where: string, assistantOnly: boolean): void {
  if (!Array.isArray(ms) || ms.length === 0) throw new UserError(`train: ${where} must be a non-empty array of messages`);
  ms.forEach((m: Partial<ChatMessage> | null, j) => {
    if (!m || !ROLES.has(m.role as string) || typeof m.content !== "string") {
      throw new UserError(`train: ${where}[${j}] needs "role" (system, user or assistant) and string "content"`);
    }
    if (assistantOnly && m.role !== "assistant")
      throw new UserError(`train: ${where}[${j}] must be an assistant message (got role ${m.role})`);
  });
}

export function validatePairs(pairs: unknown): void {
  if (!Array.isArray(pairs) || pairs.length === 0)
    throw new UserError("train: objective dpo needs pairs (a non-empty array of preference pairs)");
  pairs.forEach((p: Partial<PreferencePair> | null, i) => {
    const where = `pairs[${i}]`;
    if (!p || typeof p !== "object") throw new UserError(`train: ${where} must be an object with prompt, chosen and rejected`);
    checkMessages(p.prompt, `${where}.prompt`, false);
    checkMessages(p.chosen, `${where}.chosen`, true);
    checkMessages(p.rejected, `${where}.rejected`, true);
    for (const k of ["refChosenLogp", "refRejectedLogp"] as const) {
      if (p[k] !== undefined && !Number.isFinite(p[k])) throw new UserError(`train: ${where}.${k} must be a finite number`);
    }
  });
}
