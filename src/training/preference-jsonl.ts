/**
 * Preference-pair JSONL, one pair per line, in either of the two formats people have:
 * - OpenAI's DPO format: {"input": {"messages": [...]}, "preferred_output": [assistant…], "non_preferred_output": [assistant…]}
 * - TRL's conversational format: {"prompt": [...], "chosen": [assistant…], "rejected": [assistant…]}, or with an
 *   implicit prompt: "chosen" and "rejected" as whole conversations sharing their first messages.
 * Stored reference log-probs ride along under TRL's names `ref_chosen_logps` / `ref_rejected_logps`.
 * Problems name the line (1-based; blank lines are skipped but counted).
 */

import { UserError } from "../errors.js";
import type { ChatMessage, PreferencePair } from "./types.js";
import { readTextFile } from "../util/read-text.js";
import { checkJsonlRows, type JsonlProblem } from "../formats/jsonl-rows.js";

export type { JsonlProblem };

export type PreferenceCheck = { ok: true; pairs: PreferencePair[] } | { ok: false; problems: JsonlProblem[] };

const ROLES = new Set(["system", "user", "assistant"]);
const NO_PAIRS = "the file holds no preference pairs";

function messages(v: unknown, where: string, assistantOnly = false): ChatMessage[] | string {
  if (!Array.isArray(v) || v.length === 0) return `${where}: expected a non-empty array of {"role", "content"} messages`;
  const out: ChatMessage[] = [];
  for (const [j, m] of v.entries()) {
    const r = m as Record<string, unknown> | null;
    if (!r || typeof r !== "object" || Array.isArray(r)) return `${where}[${j}]: expected a message object`;
    if (!ROLES.has(r.role as string)) return `${where}[${j}].role: expected "system", "user" or "assistant", got ${JSON.stringify(r.role)}`;
    if (typeof r.content !== "string") return `${where}[${j}].content: expected a string`;
    if (assistantOnly && r.role !== "assistant") return `${where}[${j}].role: a reply holds assistant messages only, got "${r.role}"`;
    out.push({ role: r.role as ChatMessage["role"], content: r.content });
  }
  return out;
}

const same = (a: ChatMessage, b: ChatMessage) => a.role === b.role && a.content === b.content;

/** One line's object as a pair, or the problem with it. */
export function parsePreferenceRow(obj: unknown): PreferencePair | string {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) return "expected a JSON object";
  const o = obj as Record<string, unknown>;
  let prompt: ChatMessage[] | string;
  let chosen: ChatMessage[] | string;
  let rejected: ChatMessage[] | string;
  if ("preferred_output" in o || "non_preferred_output" in o || "input" in o) {
    const input = o.input as Record<string, unknown> | null | undefined;
    if (!input || typeof input !== "object" || Array.isArray(input)) return 'input: expected {"messages": [...]}';
    if (Array.isArray(input.tools) && input.tools.length > 0) return "input.tools: tool definitions are not supported";
    prompt = messages(input.messages, "input.messages");
    chosen = messages(o.preferred_output, "preferred_output", true);
    rejected = messages(o.non_preferred_output, "non_preferred_output", true);
  } else if ("chosen" in o || "rejected" in o) {
    if (typeof o.chosen === "string" || typeof o.rejected === "string" || typeof o.prompt === "string") {
      return 'TRL\'s plain-text format is not supported (a chat template must apply): use the conversational format, lists of {"role", "content"} messages';
    }
    if (o.prompt === undefined) {
      // Implicit prompt: the messages both conversations start with.
      const c = messages(o.chosen, "chosen");
      const r = messages(o.rejected, "rejected");
      if (typeof c === "string") return c;
      if (typeof r === "string") return r;
      let k = 0;
      while (k < c.length && k < r.length && same(c[k]!, r[k]!)) k++;
      if (k === 0) return 'no "prompt", and "chosen" and "rejected" share no first message to take as the prompt';
      prompt = c.slice(0, k);
      chosen = messages((o.chosen as unknown[]).slice(k), "chosen (after the shared prompt)", true);
      rejected = messages((o.rejected as unknown[]).slice(k), "rejected (after the shared prompt)", true);
    } else {
      prompt = messages(o.prompt, "prompt");
      chosen = messages(o.chosen, "chosen", true);
      rejected = messages(o.rejected, "rejected", true);
    }
  } else {
    return 'expected a preference pair: {"input", "preferred_output", "non_preferred_output"} (OpenAI) or {"prompt", "chosen", "rejected"} (TRL)';
  }
  for (const x of [prompt, chosen, rejected]) if (typeof x === "string") return x;
  const pair: PreferencePair = { prompt: prompt as ChatMessage[], chosen: chosen as ChatMessage[], rejected: rejected as ChatMessage[] };
  for (const [key, field] of [
    ["ref_chosen_logps", "refChosenLogp"],
    ["ref_rejected_logps", "refRejectedLogp"],
  ] as const) {
    const v = o[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "number" || !Number.isFinite(v)) return `${key}: expected a number`;
    pair[field] = v;
  }
  return pair;
}

/** Checks a whole file; the first `maxProblems` bad lines are reported. */
export function checkPreferenceJsonl(text: string, maxProblems = 5): PreferenceCheck {
  const r = checkJsonlRows(text, parsePreferenceRow, NO_PAIRS, maxProblems);
  return r.ok ? { ok: true, pairs: r.rows } : r;
}

/** Reads a preference file; a bad line is a UserError naming the file and line. */
export function readPreferenceJsonl(path: string): PreferencePair[] {
  let text: string;
  try {
    text = readTextFile(path);
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as Error).message}`);
  }
  const check = checkPreferenceJsonl(text, 1);
  if (!check.ok) {
    const p = check.problems[0]!;
    throw new UserError(p.message === NO_PAIRS ? `${path}: no preference pairs` : `${path}:${p.line}: ${p.message}`);
  }
  return check.pairs;
}

/**
 * The pairs in OpenAI's DPO format (what its fine-tuning API and `society serve` take), one per line;
 * `withReferenceLogprobs` adds the stored reference log-probs (TRL's names) for our own readers.
 */
export function toPreferenceJsonl(pairs: readonly PreferencePair[], o: { withReferenceLogprobs?: boolean } = {}): string {
  const msg = (m: ChatMessage) => ({ role: m.role, content: m.content });
  return pairs
    .map((p) => {
      const row: Record<string, unknown> = {
        input: { messages: p.prompt.map(msg) },
        preferred_output: p.chosen.map(msg),
        non_preferred_output: p.rejected.map(msg),
      };
      if (o.withReferenceLogprobs && p.refChosenLogp !== undefined && p.refRejectedLogp !== undefined) {
        row.ref_chosen_logps = p.refChosenLogp;
        row.ref_rejected_logps = p.refRejectedLogp;
      }
      return `${JSON.stringify(row)}\n`;
    })
    .join("");
}
