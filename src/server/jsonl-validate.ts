/**
 * Checks an uploaded fine-tuning file line by line so that a bad upload is refused at once, naming its lines,
 * rather than failing the job later. Two kinds, as OpenAI's files take: chat examples ({"messages": [{role,
 * content, weight?}]}, for supervised jobs) and preference pairs (training/preference-jsonl.ts, for dpo jobs).
 */
import type { ChatExample, ChatMessage } from "../chat.js";
import { checkPreferenceJsonl, type JsonlProblem } from "../training/preference-jsonl.js";
import type { PreferencePair } from "../training/types.js";

export type { JsonlProblem };

export type JsonlCheck = { ok: true; examples: ChatExample[] } | { ok: false; problems: JsonlProblem[] };

const ROLES = new Set(["system", "user", "assistant"]);

function checkLine(obj: unknown): { example?: ChatExample; problem?: string } {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) return { problem: "expected a JSON object" };
  const msgs = (obj as { messages?: unknown }).messages;
  if (!Array.isArray(msgs) || msgs.length === 0) return { problem: 'expected "messages": a non-empty array' };
  const messages: ChatMessage[] = [];
  for (const [j, m] of msgs.entries()) {
    const r = m as Record<string, unknown> | null;
    const where = `messages[${j}]`;
    if (!r || typeof r !== "object") return { problem: `${where}: expected an object` };
    if (!ROLES.has(r.role as string)) return { problem: `${where}.role: expected "system", "user" or "assistant", got ${JSON.stringify(r.role)}` };
    if (typeof r.content !== "string") return { problem: `${where}.content: expected a string` };
    if (r.weight !== undefined) {
      if (r.role !== "assistant") return { problem: `${where}.weight: only assistant messages carry a weight` };
      if (r.weight !== 0 && r.weight !== 1) return { problem: `${where}.weight: expected 0 or 1` };
    }
    const msg: ChatMessage = { role: r.role as ChatMessage["role"], content: r.content };
    if (r.weight !== undefined) msg.weight = r.weight as 0 | 1;
    messages.push(msg);
  }
  if (!messages.some((m) => m.role === "assistant" && m.weight !== 0)) return { problem: "no assistant message to learn from (none, or all with weight 0)" };
  return { example: { messages } };
}

/** Blank lines are skipped; the first `maxProblems` bad lines are reported. */
export function checkChatJsonl(text: string, maxProblems = 5): JsonlCheck {
  const examples: ChatExample[] = [];
  const problems: JsonlProblem[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length && problems.length < maxProblems; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      problems.push({ line: i + 1, message: `invalid JSON (${(e as Error).message})` });
      continue;
    }
    const r = checkLine(obj);
    if (r.problem) problems.push({ line: i + 1, message: r.problem });
    else examples.push(r.example!);
  }
  if (problems.length === 0 && examples.length === 0) problems.push({ line: 1, message: "the file holds no examples" });
  return problems.length ? { ok: false, problems } : { ok: true, examples };
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
