import { isEquivalent, canonicalAnswer, formatValue } from "./equivalence.js";
import { normalizeAnswer } from "./latex-normalize.js";
import { closeValues, constantValue } from "./latex-eval.js";

/**
 * Grading for tasks whose answers are plain numbers (GSM8K, arithmetic): "$1,000", "18.00",
 * "18 apples" and "\frac{36}{2}" all read as numbers; anything else falls back to math equivalence.
 */

/** The number an answer states, or null. */
export function parseLooseNumber(answer: string): number | null {
  const s = normalizeAnswer(answer);
  const plain = /^-?\d+(?:\.\d+)?$/.exec(s);
  if (plain) return Number(s);
  const worded = /^(-?\d+(?:\.\d+)?)[a-zA-Z]{2,}$/.exec(s); // "18apples" once spaces are gone
  if (worded) return Number(worded[1]);
  const v = constantValue(s);
  return v && v.im === 0 ? v.re : null;
}

export function gradeNumeric(pred: string | null, gold: string): boolean {
  if (pred === null) return false;
  const p = parseLooseNumber(pred);
  const g = parseLooseNumber(gold);
  if (p !== null && g !== null) return closeValues({ re: p, im: 0 }, { re: g, im: 0 });
  return isEquivalent(pred, gold);
}

export function canonicalNumeric(answer: string): string {
  const n = parseLooseNumber(answer);
  return n !== null ? formatValue({ re: n, im: 0 }) : canonicalAnswer(answer);
}
