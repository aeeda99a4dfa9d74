import { matchBrace } from "./extract.js";

/**
 * String normalisation of a final answer, in the spirit of Hendrycks' `strip_string` and the PRM800K
 * grader: two answers that normalise to the same string are equal. Numeric and structural comparison
 * (equivalence.ts) handles what normalisation cannot.
 */

const UNICODE: [RegExp, string][] = [
  [/[\u2212\u2013\u2014]/g, "-"],
  [/\u00d7/g, "\\times "],
  [/[\u00b7\u22c5]/g, "\\cdot "],
  [/\u00f7/g, "\\div "],
  [/\u03c0/g, "\\pi "],
  [/\u221a/g, "\\sqrt"],
  [/\u221e/g, "\\infty "],
  [/\u00b0/g, "^\\circ"],
  [/\u2264/g, "\\le "],
  [/\u2265/g, "\\ge "],
  [/\u222a/g, "\\cup "],
  [/\u00b1/g, "\\pm "],
  [/\u00a0/g, " "],
];

const TEXT_COMMANDS = /\\(?:text|textbf|textit|textrm|textnormal|mbox|mathrm|mathbf|mathit|mathsf|operatorname)\s*\{/g;

const UNIT_WORDS = [
  "units?",
  "cm",
  "centimeters?",
  "centimetres?",
  "mm",
  "millimeters?",
  "km",
  "kilometers?",
  "meters?",
  "metres?",
  "inch(?:es)?",
  "feet",
  "foot",
  "ft",
  "yards?",
  "yd",
  "miles?",
  "mph",
  "seconds?",
  "secs?",
  "minutes?",
  "mins?",
  "hours?",
  "hrs?",
  "days?",
  "weeks?",
  "months?",
  "years?",
  "dollars?",
  "cents?",
  "euros?",
  "pounds?",
  "lbs?",
  "ounces?",
  "oz",
  "grams?",
  "kg",
  "kilograms?",
  "liters?",
  "litres?",
  "ml",
  "gallons?",
  "quarts?",
  "cups?",
  "degrees?",
  "points?",
  "percent",
  "people",
  "persons?",
  "students?",
  "times",
  "ways",
];
// Units that read as a variable when glued to a number ("5m" may be 5·m): only after a space.
const SPACED_UNIT_WORDS = ["m", "g", "in", "mi"];
// Trailing unit words after a number-ish end: "10 cm", "864 inches^2", "5.4 cents", "12 square feet".
const TRAILING_UNIT = new RegExp(
  String.raw`([\d})\].])(?:\s*(?:(?:square|sq\.?|cubic)\s+)?(?:${UNIT_WORDS.join("|")})|\s+(?:${SPACED_UNIT_WORDS.join("|")}))` +
    String.raw`(?:\s*\^\s*\{?\d\}?)?\.?$`,
);

/** Normalised form of an answer: equal strings mean equal answers. */
export function normalizeAnswer(raw: string): string {
  let s = raw;
  for (const [re, to] of UNICODE) s = s.replace(re, to);
  s = s.trim();
  s = stripOuterBraces(stripDelimiters(s));
  s = s.replace(/\\displaystyle/g, "");
  s = s.replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)(?![a-zA-Z])/g, "");
  s = s.replace(/\\(leq|geq|neq)(?![a-zA-Z])/g, (_m, c: string) => `\\${c.slice(0, 2)}`).replace(/\\varnothing(?![a-zA-Z])/g, "\\emptyset");
  s = s.replace(/\\[dtc]frac(?![a-zA-Z])/g, "\\frac").replace(/\\[dt]binom(?![a-zA-Z])/g, "\\binom");
  // `10,\!080` is a thousands separator; other thin spaces are just spaces.
  s = s.replace(/(\d),\\!\s*(?=\d{3}(?!\d))/g, "$1");
  s = s.replace(/(?<!\\)\\!/g, "");
  s = s.replace(/(?<!\\)\\(?:,|;|:| |quad|qquad)(?![a-zA-Z])/g, " ").replace(/~/g, " ");
  // currency, percent, degrees carry no mathematical content for grading
  s = s.replace(/\\\$/g, "").replace(/\$/g, "");
  s = s.replace(/\\%/g, "").replace(/%/g, "");
  s = s
    .replace(/\^\s*\{\s*\\circ\s*\}/g, "")
    .replace(/\^\s*\\circ(?![a-zA-Z])/g, "")
    .replace(/\\circ(?![a-zA-Z])/g, "");
  s = s.replace(/\\degrees?(?![a-zA-Z])/g, "");
  s = unwrapText(s);
  s = s.trim().replace(/\.$/, "").trim();
  for (let prev = ""; prev !== s;) {
    prev = s;
    s = s.replace(TRAILING_UNIT, "$1").trim();
  }
  s = stripLeadingVariable(s);
  s = fixArguments(s);
  s = s.replace(/\^\{(\w)\}/g, "^$1").replace(/_\{(\w+)\}/g, "_$1");
  // spaces go, except where they end a command name before a letter (`\cot x`)
  // (\u0001 is our own placeholder for the spaces kept)
  s = s
    .replace(/(\\[a-zA-Z]+)\s+(?=[a-zA-Z])/g, "$1\u0001")
    .replace(/\s+/g, "")
    .split("\u0001")
    .join(" ");
  s = normalizeNumbers(s);
  s = stripOuterBraces(s);
  s = s.replace(/\.$/, "");
  const slash = /^(-?)(\d+)\/(\d+)$/.exec(s);
  if (slash) s = `${slash[1]}\\frac{${slash[2]}}{${slash[3]}}`;
  const choice = /^\(([a-eA-E])\)$/.exec(s);
  if (choice) s = choice[1]!.toUpperCase();
  return s;
}

function stripDelimiters(s: string): string {
  for (let prev = ""; prev !== s;) {
    prev = s;
    if (s.startsWith("\\(") && s.endsWith("\\)")) s = s.slice(2, -2).trim();
    if (s.startsWith("\\[") && s.endsWith("\\]")) s = s.slice(2, -2).trim();
  }
  return s;
}

/** `\text{…}` and friends: a trailing unit is dropped, "and"/"or" become list commas, the rest is unwrapped. */
function unwrapText(s: string): string {
  for (let guard = 0; guard < 50; guard++) {
    TEXT_COMMANDS.lastIndex = 0;
    const m = TEXT_COMMANDS.exec(s);
    if (!m) break;
    const open = m.index + m[0].length - 1;
    const close = matchBrace(s, open);
    if (close < 0) break;
    const content = s.slice(open + 1, close).trim();
    const before = s.slice(0, m.index);
    let after = s.slice(close + 1);
    const power = /^\s*\^\s*(?:\{\s*\d\s*\}|\d)/.exec(after);
    const rest = power ? after.slice(power[0].length) : after;
    let replacement: string;
    if (/^(and|or)$/i.test(content)) replacement = ",";
    else if (before.trim() !== "" && /^[\s.]*$/.test(rest) && /^[a-zA-Z][a-zA-Z\s.]*$/.test(content)) {
      replacement = ""; // a unit after a quantity: "5.4 \text{ cents}", "864 \mbox{ inches}^2"
      after = rest;
    } else replacement = content;
    s = before + replacement + after;
  }
  return s;
}

/** "x = 5" → "5", "x \in [1,2]" → "[1,2]" — a lone variable on the left adds nothing (Hendrycks does the same). */
export function stripLeadingVariable(s: string): string {
  s = s.replace(/^[a-zA-Z]\s*\\in\s*/, "");
  const parts = s.split("=");
  if (parts.length === 2 && !/\\[lg]e?$|[<>!]$/.test(parts[0]!)) {
    const lhs = parts[0]!.trim();
    if (/^(?:[a-zA-Z](?:_\{?\w+\}?)?|\\[a-zA-Z]+|[a-zA-Z]\([a-zA-Z]\))$/.test(lhs) && parts[1]!.trim()) return parts[1]!.trim();
  }
  return s;
}

/** Brace the arguments of `\frac12`, `\frac 59`, `\frac9{19}`, `\sqrt2`, `\sqrt[3]8`, `\binom52`. */
export function fixArguments(s: string): string {
  let out = "";
  let i = 0;
  while (i < s.length) {
    const m = /^\\(frac|binom|sqrt)(?![a-zA-Z])/.exec(s.slice(i));
    if (!m) {
      out += s[i];
      i++;
      continue;
    }
    out += "\\" + m[1];
    i += m[0].length;
    if (m[1] === "sqrt") {
      const j = skipSpaces(s, i);
      if (s[j] === "[") {
        const close = s.indexOf("]", j);
        if (close > 0) {
          out += "[" + fixArguments(s.slice(j + 1, close)) + "]";
          i = close + 1;
        }
      }
    }
    const nArgs = m[1] === "sqrt" ? 1 : 2;
    for (let k = 0; k < nArgs; k++) {
      const arg = readArgument(s, i);
      if (!arg) break;
      out += "{" + fixArguments(arg.body) + "}";
      i = arg.end;
    }
  }
  return out;
}

function skipSpaces(s: string, i: number): number {
  while (i < s.length && /\s/.test(s[i]!)) i++;
  return i;
}

/** One TeX argument at i: a `{group}`, a `\command`, or a single character. */
function readArgument(s: string, i: number): { body: string; end: number } | null {
  const j = skipSpaces(s, i);
  if (j >= s.length) return null;
  if (s[j] === "{") {
    const close = matchBrace(s, j);
    if (close < 0) return null;
    return { body: s.slice(j + 1, close), end: close + 1 };
  }
  if (s[j] === "\\") {
    const m = /^\\[a-zA-Z]+/.exec(s.slice(j));
    if (m) return { body: m[0], end: j + m[0].length };
  }
  if (/[}\])^_]/.test(s[j]!)) return null;
  return { body: s[j]!, end: j + 1 };
}

/** Thousands commas in a lone number, ".5" → "0.5", "2.50" → "2.5", "3.0" → "3". */
function normalizeNumbers(s: string): string {
  if (/^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(s)) s = s.replace(/,/g, "");
  s = s.replace(/(?<![\d}])\.(?=\d)/g, "0.");
  s = s.replace(/(\d)\.(\d*?)0+(?!\d)/g, (_m, a: string, b: string) => (b ? `${a}.${b}` : a));
  s = s.replace(/^\+(?=\d)/, "");
  if (/^-0$/.test(s)) s = "0";
  return s;
}

function stripOuterBraces(s: string): string {
  while (s.startsWith("{") && matchBrace(s, 0) === s.length - 1) s = s.slice(1, -1);
  return s;
}
