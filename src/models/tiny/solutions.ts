import type { Question } from "../../tasks/types.js";
import type { Xoshiro128Rng } from "../../util/rng.js";

/**
 * Worked solutions of a+b*c+d-e*f in the tiny model's compact format, in several ORDERS: the paper's
 * "diverse reasoning chains" in miniature. Every order computes the two products first, then sums in a
 * different order, so the orders need different arithmetic facts after step 2 (a+P then +d then −Q; P−Q
 * then a+… then +d; d−Q then +P then +a) and a model unsure of a fact errs in one order and not in
 * another. That is what lets a vote over samples beat the single most likely (greedy) chain. Step 3
 * names the order, so a small model can tell which one it is writing.
 *
 *   products-first: 4*5=20 3*2=6 1+20=21 21+0=21 21-6=15 \boxed{15}
 *   difference:     4*5=20 3*2=6 20-6=14 1+14=15 15+0=15 \boxed{15}
 *   minus-first:    4*5=20 3*2=6 0-6=-6 -6+20=14 14+1=15 \boxed{15}
 *
 * Why not the task's `arithmeticSolution`: it restates the expression three times (~95 characters), which
 * doubles the tokens per example for a one-character-per-token model trained in minutes on 2 cores.
 */

export type Operands = readonly [number, number, number, number, number, number];

/** A step's operand: one of the question's operands (0..5 = a..f) or an earlier step's value. */
type Ref = { operand: number } | { step: number };
interface StepSpec {
  op: "+" | "-" | "*";
  l: Ref;
  r: Ref;
}

const A = { operand: 0 },
  B = { operand: 1 },
  C = { operand: 2 },
  D = { operand: 3 },
  E = { operand: 4 },
  F = { operand: 5 };
const s = (step: number) => ({ step });

export const ORDERS = {
  "products-first": [
    { op: "*", l: B, r: C },
    { op: "*", l: E, r: F },
    { op: "+", l: A, r: s(0) },
    { op: "+", l: s(2), r: D },
    { op: "-", l: s(3), r: s(1) },
  ],
  difference: [
    { op: "*", l: B, r: C },
    { op: "*", l: E, r: F },
    { op: "-", l: s(0), r: s(1) },
    { op: "+", l: A, r: s(2) },
    { op: "+", l: s(3), r: D },
  ],
  "minus-first": [
    { op: "*", l: B, r: C },
    { op: "*", l: E, r: F },
    { op: "-", l: D, r: s(1) },
    { op: "+", l: s(2), r: s(0) },
    { op: "+", l: s(3), r: A },
  ],
} satisfies Record<string, StepSpec[]>;

export type OrderName = keyof typeof ORDERS;
export const ORDER_NAMES = Object.keys(ORDERS) as OrderName[];

/**
 * With `tagged`, a solution opens with its order's tag, the way a person names a method before using it
 * ("A) 4*5=20 …"). A 2-layer model then finds which order it is writing by looking at one fixed place
 * instead of inferring it from its own third step.
 */
export const ORDER_TAGS: Record<OrderName, string> = { "products-first": "A)", difference: "B)", "minus-first": "C)" };
export interface SolutionStyle {
  tagged?: boolean;
}

export function operandsOf(q: Question | { text: string }): Operands {
  const m = /^(\d+)\+(\d+)\*(\d+)\+(\d+)-(\d+)\*(\d+)$/.exec(q.text.trim());
  if (!m) throw new Error(`not an arithmetic question: ${q.text}`);
  return m.slice(1).map(Number) as unknown as Operands;
}

const apply = (op: StepSpec["op"], x: number, y: number) => (op === "+" ? x + y : op === "-" ? x - y : x * y);

/** Adding a negative is written as a subtraction and vice versa, as a person would: `-6+20`, `21-6`, `1-5` (not `1+-5`). */
function stepText(op: StepSpec["op"], x: number, y: number, v: number): string {
  if (op !== "*" && y < 0) return `${x}${op === "+" ? "-" : "+"}${-y}=${v}`;
  return `${x}${op}${y}=${v}`;
}

/**
 * The steps of one order; `slip` makes step `at` come out `by` off and carries the wrong value on, the
 * way a careless solver's chain goes wrong (every later step is right arithmetic on a wrong input).
 */
function render(o: Operands, order: OrderName, slip?: { at: number; by: number }, style: SolutionStyle = {}): string {
  const vals: number[] = [];
  const parts: string[] = [];
  const read = (r: Ref) => ("operand" in r ? o[r.operand]! : vals[r.step]!);
  ORDERS[order].forEach((st, i) => {
    const x = read(st.l),
      y = read(st.r);
    let v = apply(st.op, x, y);
    if (slip && slip.at === i) v += slip.by;
    vals.push(v);
    parts.push(stepText(st.op, x, y, v));
  });
  return `${style.tagged ? `${ORDER_TAGS[order]} ` : ""}${parts.join(" ")} \\boxed{${vals[vals.length - 1]}}`;
}

/** Correct worked steps in `order` (default products-first), ending in \boxed{answer}. */
export function solution(o: Operands, order: OrderName = "products-first", style: SolutionStyle = {}): string {
  return render(o, order, undefined, style);
}

/**
 * The order a solution is written in, or null when it follows none: read from its third step (a+P, P−Q
 * or d−Q, with P as the solution itself wrote it), so a slip in a value does not hide the order; null
 * also when equal values (a = P, d = P) make two orders read alike.
 */
export function orderOf(text: string, o: Operands): OrderName | null {
  const tag = ORDER_NAMES.find((n) => text.trimStart().startsWith(`${ORDER_TAGS[n]} `));
  if (tag) return tag;
  const steps = text.trim().split(/\s+/);
  const first = /^(\d+)\*(\d+)=(-?\d+)$/.exec(steps[0] ?? "");
  const third = /^(-?\d+)([+-])(\d+)=/.exec(steps[2] ?? "");
  if (!first || !third) return null;
  const p = first[3]!;
  const [, l, op] = third;
  const [a, , , d] = o;
  const fits: OrderName[] = [];
  if (op === "+" && Number(l) === a) fits.push("products-first");
  if (op === "-" && l === p) fits.push("difference");
  if (op === "-" && Number(l) === d) fits.push("minus-first");
  return fits.length === 1 ? fits[0]! : null;
}

/**
 * A plausible wrong solution: one step slips by a realistic amount (±1, ±2, ±10, a random 1..9, or a
 * dropped minus sign) and the rest follows from the wrong value, so the final answer is wrong the way a
 * careless agent's is.
 */
export function slipSolution(o: Operands, rng: Xoshiro128Rng, order: OrderName = "products-first", style: SolutionStyle = {}): string {
  const right = render(o, order, undefined, style);
  for (let attempt = 0; attempt < 20; attempt++) {
    const at = rng.int(0, ORDERS[order].length - 1);
    const kind = rng.int(0, 4);
    let by = [1, 2, 10, rng.int(1, 9), 0][kind]! * (rng.next() < 0.5 ? -1 : 1);
    if (kind === 4) {
      // The sign slip: a negative value written without its minus (or a positive one given one).
      const v = stepValue(o, order, at);
      by = v === 0 ? 1 : -2 * v;
    }
    const text = render(o, order, { at, by }, style);
    // Products and sums of 0..N stay ≥ 0 for a careless solver too; the answer must change.
    if (ORDERS[order][at]!.op === "*" && stepValue(o, order, at) + by < 0) continue;
    if (finalOf(text) !== finalOf(right)) return text;
  }
  return render(o, order, { at: ORDERS[order].length - 1, by: 1 }, style);
}

function stepValue(o: Operands, order: OrderName, at: number): number {
  const vals: number[] = [];
  const read = (r: Ref) => ("operand" in r ? o[r.operand]! : vals[r.step]!);
  for (const st of ORDERS[order]) vals.push(apply(st.op, read(st.l), read(st.r)));
  return vals[at]!;
}

const finalOf = (text: string) => /\\boxed\{(-?\d+)\}/.exec(text)?.[1];
