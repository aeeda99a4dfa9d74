import { UserError } from "../errors.js";
import { DEFAULT_LETTERS, extractChoice, letterOf } from "./choice.js";
import { extractAnswer, lastBoxed, lastNumber } from "./extract.js";
import type { Extraction } from "./types.js";

/**
 * Answer extractors by name, as task files name them. Each reads a model's answer leniently (`answer`)
 * and a reference answer strictly (`gold`: null when the text holds none), and can write a reference
 * solution in the form it reads (for data sets that carry only a final answer).
 */

export const EXTRACTOR_NAMES = ["boxed", "hash", "last_number", "choice_letter", "regex"] as const;
export type ExtractorName = (typeof EXTRACTOR_NAMES)[number];

export interface ExtractorSpec {
  name: ExtractorName;
  /** regex: the pattern; the last match's first group (or the whole match) is the answer. */
  pattern?: string;
  /** boxed, hash, choice_letter: fall back to the last number / a lone letter (status `fallback`). Default true. */
  fallback?: boolean;
  /** choice_letter: the option letters (default: from the task's choices, else A–J). */
  letters?: string;
}

export interface Extractor {
  spec: ExtractorSpec;
  answer(completion: string): Extraction;
  gold(text: string): string | null;
  solution(gold: string): string;
}

export function makeExtractor(spec: ExtractorSpec): Extractor {
  const fallback = spec.fallback !== false;
  switch (spec.name) {
    case "boxed":
      return {
        spec,
        answer: (c) => extractAnswer(c, { fallback }),
        gold: (t) => lastBoxed(t)?.content ?? null,
        solution: (g) => `The answer is \\boxed{${g}}.`,
      };
    case "hash":
      return {
        spec,
        answer: (c) => extractAnswer(c, { hash: true, fallback }),
        gold: hashGold,
        solution: (g) => `#### ${g}`,
      };
    case "last_number":
      return {
        spec,
        answer: (c) => {
          const n = lastNumber(c);
          return n === null ? { answer: null, status: "unparsed" } : { answer: n, status: "number" };
        },
        gold: lastNumber,
        solution: (g) => g,
      };
    case "choice_letter": {
      const letters = spec.letters ?? DEFAULT_LETTERS;
      return {
        spec,
        answer: (c) => extractChoice(c, letters, fallback),
        gold: (t) => letterOf(t, letters) ?? extractChoice(t, letters, false).answer,
        solution: (g) => `The answer is (${g}).`,
      };
    }
    case "regex": {
      if (!spec.pattern) throw new UserError('extractor "regex" needs a pattern');
      let re: RegExp;
      try {
        re = new RegExp(spec.pattern, "g");
      } catch (e) {
        throw new UserError(`extractor regex: invalid pattern ${JSON.stringify(spec.pattern)} (${(e as Error).message})`);
      }
      const last = (t: string) => {
        const m = [...t.matchAll(re)].at(-1);
        const v = m ? (m[1] ?? m[0]).trim() : "";
        return v || null;
      };
      return {
        spec,
        answer: (c) => {
          const a = last(c);
          return a === null ? { answer: null, status: "unparsed" } : { answer: a, status: "regex" };
        },
        gold: last,
        solution: (g) => g,
      };
    }
  }
}

/** GSM8K's convention: the text after the last `####`, thousands commas dropped. */
export function hashGold(text: string): string | null {
  const i = text.lastIndexOf("####");
  if (i < 0) return null;
  const gold = text
    .slice(i + 4)
    .trim()
    .replace(/,/g, "");
  return gold || null;
}
