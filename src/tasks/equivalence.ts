import { normalizeAnswer, stripLeadingVariable } from "./latex-normalize.js";
import { constantValue, numericallyEqual, type Value } from "./latex-eval.js";

/**
 * Mathematical answer equivalence, as the PRM800K grader / Hendrycks `is_equiv` do it: normalise both
 * strings; compare tuples, intervals, sets, matrices and ± element-wise; then compare leaves as
 * strings, words case-insensitively, or numerically (mathjs, relative tolerance 1e-9).
 */

export type AnswerNode =
  | { kind: "leaf"; text: string }
  /** Ordered, brackets significant: points, tuples, intervals. */
  | { kind: "seq"; open: string; close: string; items: AnswerNode[] }
  /** Unordered: "1, 2", `\{1,2\}`, the two branches of `a \pm b`. */
  | { kind: "list"; items: AnswerNode[] }
  /** Unordered union of intervals. */
  | { kind: "union"; items: AnswerNode[] }
  | { kind: "matrix"; rows: AnswerNode[][] };

/** True when `pred` is an acceptable answer for `gold`. null never is. */
export function isEquivalent(pred: string | null | undefined, gold: string): boolean {
  if (pred === null || pred === undefined) return false;
  const a = normalizeAnswer(pred);
  const b = normalizeAnswer(gold);
  if (!a) return false;
  if (a === b) return true;
  return nodesEqual(parseAnswer(a), parseAnswer(b));
}

/** A key shared by equivalent answers, for majority voting: numbers by value, lists sorted. */
export function canonicalAnswer(answer: string): string {
  return nodeKey(parseAnswer(normalizeAnswer(answer)));
}

/** Splits a normalised answer into its structure. */
export function parseAnswer(s: string): AnswerNode {
  const matrix = /^\\begin\{([pbvBV]?matrix)\}([\s\S]*)\\end\{\1\}$/.exec(s);
  if (matrix) {
    const rows = matrix[2]!
      .split(/\\\\/)
      .map((r) => r.trim())
      .filter((r) => r !== "")
      .map((r) => r.split("&").map((cell) => parseAnswer(cell.trim())));
    return { kind: "matrix", rows };
  }
  const union = splitTopLevel(s, /^\\cup(?![a-zA-Z])/);
  if (union.length > 1) return { kind: "union", items: union.map(parseAnswer) };
  if (s.startsWith("\\{") && s.endsWith("\\}") && closingIndex(s, 0) === s.length - 1) {
    return { kind: "list", items: splitTopLevel(s.slice(2, -2), /^,/).flatMap((x) => expandPm(x)) };
  }
  if (/^[([]/.test(s) && /[)\]]$/.test(s) && closingIndex(s, 0) === s.length - 1) {
    const items = splitTopLevel(s.slice(1, -1), /^,/);
    if (items.length > 1) return { kind: "seq", open: s[0]!, close: s[s.length - 1]!, items: items.map(parseAnswer) };
  }
  const list = splitTopLevel(s, /^,/);
  if (list.length > 1) return { kind: "list", items: list.flatMap((x) => expandPm(x)) };
  const pm = expandPm(s);
  if (pm.length > 1) return { kind: "list", items: pm };
  return { kind: "leaf", text: s };
}

/** `1\pm\sqrt{19}` → [1+(\sqrt{19}), 1-(\sqrt{19})]; anything else → itself. */
function expandPm(item: string): AnswerNode[] {
  const s = stripLeadingVariable(item); // "x=1, x=-2" lists its solutions
  const parts = splitTopLevel(s, /^\\(?:pm|mp)(?![a-zA-Z])/);
  if (parts.length !== 2) return s.includes(",") ? [parseAnswer(s)] : [{ kind: "leaf", text: s }];
  const [l, r] = parts as [string, string];
  return [
    { kind: "leaf", text: `${l}+(${r})` },
    { kind: "leaf", text: `${l}-(${r})` },
  ];
}

const OPEN = new Set(["(", "[", "{"]);
const CLOSE = new Set([")", "]", "}"]);

/** The character at `i`, with `\{` `\}` read as one bracket character two wide. */
function charAt(s: string, i: number): { c: string; width: number } {
  return s[i] === "\\" && (s[i + 1] === "{" || s[i + 1] === "}") ? { c: s[i + 1]!, width: 2 } : { c: s[i]!, width: 1 };
}

/** Walks brackets of any kind (intervals mix them), treating `\{` `\}` as brackets too. */
function scan(s: string, visit: (i: number, depth: number) => number | void): void {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const { c, width } = charAt(s, i);
    if (OPEN.has(c)) depth++;
    else if (CLOSE.has(c)) depth--;
    const skip = visit(i, OPEN.has(c) ? depth - 1 : depth);
    i += width - 1 + (skip ?? 0);
  }
}

/** Index of the last character of the bracket group opening at `start` (-1 if it never closes). */
function closingIndex(s: string, start: number): number {
  let found = -1;
  let depth = 0;
  let i = start;
  while (i < s.length) {
    const { c, width } = charAt(s, i);
    if (OPEN.has(c)) depth++;
    else if (CLOSE.has(c)) {
      depth--;
      if (depth === 0) {
        found = i + width - 1;
        break;
      }
    }
    i += width;
  }
  return found;
}

/** Splits at separators that sit outside every bracket. */
function splitTopLevel(s: string, sep: RegExp): string[] {
  const out: string[] = [];
  let from = 0;
  scan(s, (i, depth) => {
    if (depth !== 0) return;
    const m = sep.exec(s.slice(i));
    if (!m) return;
    out.push(s.slice(from, i));
    from = i + m[0].length;
    return m[0].length - 1;
  });
  out.push(s.slice(from));
  return out.map((x) => x.trim());
}

function unwrapSingle(n: AnswerNode): AnswerNode {
  while ((n.kind === "list" || n.kind === "union") && n.items.length === 1) n = n.items[0]!;
  return n;
}

export function nodesEqual(x: AnswerNode, y: AnswerNode): boolean {
  const a = unwrapSingle(x);
  const b = unwrapSingle(y);
  if (a.kind === "leaf" && b.kind === "leaf") return leavesEqual(a.text, b.text);
  if (a.kind === "seq" && b.kind === "seq") {
    return a.open === b.open && a.close === b.close && pairwise(a.items, b.items);
  }
  if ((a.kind === "list" && b.kind === "list") || (a.kind === "union" && b.kind === "union")) {
    return unordered(a.items, b.items);
  }
  if (a.kind === "matrix" && b.kind === "matrix") {
    return a.rows.length === b.rows.length && a.rows.every((r, k) => pairwise(r, b.rows[k]!));
  }
  // a column or row vector written as a tuple
  const vec = (m: AnswerNode, t: AnswerNode) =>
    m.kind === "matrix" &&
    t.kind === "seq" &&
    t.open === "(" &&
    t.close === ")" &&
    (m.rows.every((r) => r.length === 1)
      ? pairwise(
          m.rows.map((r) => r[0]!),
          t.items,
        )
      : m.rows.length === 1 && pairwise(m.rows[0]!, t.items));
  return vec(a, b) || vec(b, a);
}

function pairwise(xs: AnswerNode[], ys: AnswerNode[]): boolean {
  return xs.length === ys.length && xs.every((x, k) => nodesEqual(x, ys[k]!));
}

/** Multiset equality under nodesEqual (backtracking; answer lists are short). */
function unordered(xs: AnswerNode[], ys: AnswerNode[]): boolean {
  if (xs.length !== ys.length || xs.length > 12) return false;
  const used = new Array<boolean>(ys.length).fill(false);
  const match = (k: number): boolean => {
    if (k === xs.length) return true;
    for (let j = 0; j < ys.length; j++) {
      if (used[j] || !nodesEqual(xs[k]!, ys[j]!)) continue;
      used[j] = true;
      if (match(k + 1)) return true;
      used[j] = false;
    }
    return false;
  };
  return match(0);
}

const WORD = /^[a-zA-Z][a-zA-Z ]+$/;

function leavesEqual(a: string, b: string): boolean {
  if (a === b) return true;
  // words ("Evelyn", "even", "east") compare as text: letters are not variables here
  if (WORD.test(a) || WORD.test(b)) return a.toLowerCase().replace(/ /g, "") === b.toLowerCase().replace(/ /g, "");
  // numbers in a base (`52_8`) and other subscripts compare as text
  if (a.includes("_") || b.includes("_")) return a.toLowerCase() === b.toLowerCase();
  const ea = a.split("=");
  const eb = b.split("=");
  if (ea.length !== eb.length) return false;
  if (ea.length === 2) {
    // equations: same zero set up to sign, lhs−rhs compared as functions
    const fa = `(${ea[0]})-(${ea[1]})`;
    const fb = `(${eb[0]})-(${eb[1]})`;
    return numericallyEqual(fa, fb) === true || numericallyEqual(fa, fb, { negate: true }) === true;
  }
  if (ea.length > 2) return false;
  return numericallyEqual(a, b) === true;
}

function nodeKey(n: AnswerNode): string {
  n = unwrapSingle(n);
  switch (n.kind) {
    case "leaf":
      return leafKey(n.text);
    case "seq":
      return n.open + n.items.map(nodeKey).join(",") + n.close;
    case "list":
      return "{" + n.items.map(nodeKey).sort().join(",") + "}";
    case "union":
      return n.items.map(nodeKey).sort().join("\\cup");
    case "matrix":
      return "matrix[" + n.rows.map((r) => r.map(nodeKey).join("&")).join(";") + "]";
  }
}

function leafKey(s: string): string {
  if (WORD.test(s)) return s.toLowerCase().replace(/ /g, "");
  if (s.includes("_")) return s.toLowerCase();
  const v = constantValue(s);
  return v ? formatValue(v) : s;
}

/** 10 significant digits: enough to separate answers, coarse enough to merge 0.5 and 1/2. */
export function formatValue(v: Value): string {
  const f = (x: number) => (Math.abs(x) < 1e-12 ? "0" : String(Number(x.toPrecision(10))));
  if (v.im === 0) return f(v.re);
  return `${f(v.re)}${v.im >= 0 ? "+" : "-"}${f(Math.abs(v.im))}i`;
}
