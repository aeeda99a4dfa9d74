import { UserError } from "../../../errors.js";
import type { ChatExample, ChatMessage } from "../../types.js";
import { readTextFile } from "../../../util/read-text.js";

const ROLES = new Set(["system", "user", "assistant"]);

/**
 * Reads chat examples, one JSON object per line: {"messages": [{"role": "user", "content": "…"}, …]}
 * (OpenAI fine-tuning format; assistant messages may carry "weight": 0 or 1). Blank lines are skipped;
 * anything else that is not such an object is a UserError naming the file and line.
 */
export function readChatJsonl(path: string): ChatExample[] {
  let text: string;
  try {
    text = readTextFile(path);
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as Error).message}`);
  }
  const out: ChatExample[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${path}:${i + 1}`;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      throw new UserError(`${where}: invalid JSON (${(e as Error).message})`);
    }
    const msgs = (obj as { messages?: unknown })?.messages;
    if (!Array.isArray(msgs) || msgs.length === 0) throw new UserError(`${where}: expected {"messages": [...]} with at least one message`);
    const messages: ChatMessage[] = msgs.map((m, j) => {
      const r = m as Record<string, unknown>;
      if (!r || typeof r !== "object" || !ROLES.has(r.role as string) || typeof r.content !== "string") {
        throw new UserError(`${where}: message ${j + 1} needs "role" (system, user or assistant) and string "content"`);
      }
      if (r.weight !== undefined && r.weight !== 0 && r.weight !== 1)
        throw new UserError(`${where}: message ${j + 1} "weight" must be 0 or 1`);
      const msg: ChatMessage = { role: r.role as ChatMessage["role"], content: r.content };
      if (r.weight !== undefined) msg.weight = r.weight as 0 | 1;
      return msg;
    });
    if (!messages.some((m) => m.role === "assistant" && m.weight !== 0))
      throw new UserError(`${where}: no assistant message to learn from`);
    out.push({ messages });
  });
  if (out.length === 0) throw new UserError(`${path}: no examples`);
  return out;
}
