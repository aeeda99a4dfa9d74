import type { Extraction } from "./types.js";

/**
 * Reading a final answer out of free text. Order of trust: an explicit `\boxed{…}` (or GSM8K's
 * `#### n`, whichever comes last), then the last number in the text as a recorded `fallback`.
 */

/** Contents of the last complete `\boxed{…}` / `\fbox{…}` / `\boxed 5`, with nested braces; null if none. */
export function lastBoxed(text: string): { content: string; index: number } | null {
  const starts = [...text.matchAll(/\\(?:boxed|fbox)(?![a-zA-Z])/g)].map((m) => ({ at: m.index!, end: m.index! + m[0].length }));
  for (let k = starts.length - 1; k >= 0; k--) {
    const { at, end } = starts[k]!;
    let i = end;
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text[i] === "{") {
      const close = matchBrace(text, i);
      if (close < 0) continue; // truncated: an earlier complete box is the best we have
      const content = text.slice(i + 1, close).trim();
      if (content) return { content, index: at };
    } else if (i > end) {
      // `\boxed 5$`: the token up to whitespace or `$`
      const m = /^[^\s$]+/.exec(text.slice(i));
      if (m) return { content: m[0].replace(/[.,;]$/, ""), index: at };
    }
  }
  return null;
}

/** Index of the `}` closing the `{` at `open`, skipping escaped braces; -1 if unbalanced. */
export function matchBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** The text after the last `#### ` (GSM8K's answer marker), up to the end of its line. */
export function lastHash(text: string): { content: string; index: number } | null {
  let found: { content: string; index: number } | null = null;
  for (const m of text.matchAll(/####[ \t]*([^\n]*)/g)) {
    const content = m[1]!.trim().replace(/\.$/, "");
    if (content) found = { content, index: m.index! };
  }
  return found;
}

// A number: optional sign (not a binary minus, so "30-5" yields 5), thousands commas, decimals.
const NUMBER =
  /(?<![\w.)\]}])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|(?<![\w.)\]}])-?\.\d+|(?<=[\w)\]}])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?/g;

/** The last number in the text, commas removed; null if there is none. */
export function lastNumber(text: string): string | null {
  let last: string | null = null;
  for (const m of text.matchAll(NUMBER)) last = m[0];
  if (last === null) return null;
  last = last.replace(/,/g, "");
  if (last.startsWith("-.")) last = "-0" + last.slice(1);
  else if (last.startsWith(".")) last = "0" + last;
  return last;
}

export interface ExtractOptions {
  /** Also accept GSM8K's `#### n` marker. */
  hash?: boolean;
  /** Fall back to the last number in the text (status `fallback`). Default true. */
  fallback?: boolean;
}

export function extractAnswer(completion: string, opts: ExtractOptions = {}): Extraction {
  const boxed = lastBoxed(completion);
  const hash = opts.hash ? lastHash(completion) : null;
  if (boxed && (!hash || boxed.index > hash.index)) return { answer: boxed.content, status: "boxed" };
  if (hash) return { answer: hash.content, status: "hash" };
  if (opts.fallback !== false) {
    const n = lastNumber(completion);
    if (n !== null) return { answer: n, status: "fallback" };
  }
  return { answer: null, status: "unparsed" };
}
