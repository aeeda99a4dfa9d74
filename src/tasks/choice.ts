import { lastBoxed } from "./extract.js";
import type { Extraction } from "./types.js";

/**
 * Multiple-choice answers: option letters. A model's letter is the last explicit one — `\boxed{B}`, `(B)`,
 * or "the answer is B" — whichever comes last; with `fallback`, else a line holding only a letter.
 */

export const DEFAULT_LETTERS = "ABCDEFGHIJ";

export function letterOf(text: string, letters: string = DEFAULT_LETTERS): string | null {
  const m = /^\(?\s*([A-Za-z])\s*\)?\s*(?:[.):]|\s|$)/.exec(text.trim());
  const l = m?.[1]!.toUpperCase();
  return l && letters.includes(l) ? l : null;
}

export function extractChoice(completion: string, letters: string, fallback = true): Extraction {
  const cls = `[${letters.replace(/[\]\\^-]/g, "\\$&")}]`;
  const found: Array<{ at: number; letter: string; status: "boxed" | "choice" }> = [];
  const consider = (at: number, letter: string | null | undefined, status: "boxed" | "choice") => {
    if (letter && letters.includes(letter)) found.push({ at, letter, status });
  };
  const boxed = lastBoxed(completion);
  // A box counts from where it closes, so a "(D)" written inside it does not outrank it.
  if (boxed) consider(completion.indexOf(boxed.content, boxed.index) + boxed.content.length, letterOf(boxed.content, letters), "boxed");
  for (const m of completion.matchAll(new RegExp(`\\((${cls})\\)`, "g"))) consider(m.index!, m[1], "choice");
  for (const m of completion.matchAll(
    new RegExp(`[Aa]nswer(?:\\s+is)?\\s*[:：]?\\s*(?:[Oo]ption\\s+)?\\(?(${cls})\\)?(?![A-Za-z])`, "g"),
  )) {
    consider(m.index!, m[1], "choice");
  }
  const last = found.sort((a, b) => a.at - b.at).at(-1);
  if (last) return { answer: last.letter, status: last.status };
  if (fallback) {
    const lone = [...completion.matchAll(new RegExp(`^\\s*\\(?(${cls})\\)?[.):]?\\s*$`, "gm"))].at(-1);
    if (lone) return { answer: lone[1]!, status: "fallback" };
  }
  return { answer: null, status: "unparsed" };
}
