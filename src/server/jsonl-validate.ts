/**
 * Checks an uploaded fine-tuning file line by line so that a bad upload is refused at once, naming its lines,
 * rather than failing the job later. Two kinds, as OpenAI's files take: chat examples ({"messages": [{role,
 * content, weight?}]}, for supervised jobs) and preference pairs (training/preference-jsonl.ts, for dpo jobs).
 */
import type { ChatExample, ChatMessage } from "../chat.js";
import { checkJsonlRows, type JsonlProblem } from "../formats/jsonl-rows.js";
import { checkPreferenceJsonl } from "../training/preference-jsonl.js";
import type { PreferencePair } from "../training/types.js";

export type { JsonlProblem };

export type JsonlCheck = { ok: true; examples: ChatExample[] } | { ok: false; problems: JsonlProblem[] };

const ROLES = new Set(["system", "user", "assistant"]);

function checkLine(obj: unknown): ChatExample | string {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) return "expected a JSON object";
  const msgs = (obj as { messages?: unknown }).messages;
  if (!Array.isArray(msgs) || msgs.length === 0) return 'expected "messages": a non-empty array';
  const messages: ChatMessage[] = [];
  for (const [j, m] of msgs.entries()) {
    const r = m as Record<string, unknown> | null;
    const where = `messages[${j}]`;
    if (!r || typeof r !== "object") return `${where}: expected an object`;
    if (!ROLES.has(r.role as string)) return `${where}.role: expected "system", "user" or "assistant", got ${JSON.stringify(r.role)}`;
    if (typeof r.content !== "string") return `${where}.content: expected a string`;
    if (r.weight !== undefined) {
      if (r.role !== "assistant") return `${where}.weight: only assistant messages carry a weight`;
      if (r.weight !== 0 && r.weight !== 1) return `${where}.weight: expected 0 or 1`;
    }
    const msg: ChatMessage = { role: r.role as ChatMessage["role"], content: r.content };
    if (r.weight !== undefined) msg.weight = r.weight as 0 | 1;
    messages.push(msg);
  }
  if (!messages.some((m) => m.role === "assistant" && m.weight !== 0))
    return "no assistant message to learn from (none, or all with weight 0)";
  return { messages };
}

/** Blank lines are skipped; the first `maxProblems` bad lines are reported. */
export function checkChatJsonl(text: string, maxProblems = 5): JsonlCheck {
  const r = checkJsonlRows(text, checkLine, "the file holds no examples", maxProblems);
  return r.ok ? { ok: true, examples: r.rows } : r;
}

export type FineTuneFileCheck =
  | { ok: true; kind: "chat"; examples: ChatExample[] }
  | { ok: true; kind: "preference"; pairs: PreferencePair[] }
  | { ok: false; problems: JsonlProblem[] };

const PREFERENCE_KEYS = ["input", "preferred_output", "non_preferred_output", "prompt", "chosen", "rejected"];

/** A chat file or a preference file, told apart by the first line's keys (chat when in doubt). */
export function checkFineTuneJsonl(text: string, maxProblems = 5): FineTuneFileCheck {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== "");
  let keys: string[] = [];
  try {
    const o = first ? JSON.parse(first) : null;
    if (o && typeof o === "object" && !Array.isArray(o)) keys = Object.keys(o);
  } catch {
    // not JSON: the chat check names the line
  }
  if (!keys.includes("messages") && keys.some((k) => PREFERENCE_KEYS.includes(k))) {
    const c = checkPreferenceJsonl(text, maxProblems);
    return c.ok ? { ok: true, kind: "preference", pairs: c.pairs } : c;
  }
  const c = checkChatJsonl(text, maxProblems);
  return c.ok ? { ok: true, kind: "chat", examples: c.examples } : c;
}

export function describeProblems(problems: readonly JsonlProblem[]): string {
  return problems.map((p) => `line ${p.line}: ${p.message}`).join("; ");
}
