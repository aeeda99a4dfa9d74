import { UserError } from "../errors.js";
import { extractAnswer } from "./extract.js";
import { canonicalNumeric, gradeNumeric } from "./number.js";
import { cyrb53SeedV1 } from "../util/seed.js";
import { rngFor } from "./rng.js";
import type { Question, QuestionsOptions, Split, Task } from "./types.js";

/**
 * The paper's arithmetic task: `a+b*c+d-e*f` with operands in 0..maxValue, generated from a seed.
 * Train and test are disjoint by construction: every expression belongs to exactly one split by a
 * hash of the expression itself (independent of seed and maxValue), so no seed can leak a test item.
 */

export interface ArithmeticOptions {
  /** Largest operand (default 30, as in the paper; the tiny model may use less). */
  maxValue?: number;
  /** Questions per split when no limit is asked (default 500 each). */
  trainSize?: number;
  testSize?: number;
  /**
   * The worked gold solution (`goldSolution`, what SFT on gold trains on): "worked" (default) restates
   * the expression; "compact" is one operation per step, the form the tiny model's corpus writes, so
   * SFT on gold teaches it no new format.
   */
  solution?: "worked" | "compact";
}

type Operands = [number, number, number, number, number, number];

export function expressionOf(o: readonly number[]): string {
  return `${o[0]}+${o[1]}*${o[2]}+${o[3]}-${o[4]}*${o[5]}`;
}

/** Which split an expression belongs to: a fixed hash partition of the whole expression space. */
export function splitOfExpression(expression: string): Split {
  return (cyrb53SeedV1("arithmetic-split", expression) & 1) === 0 ? "train" : "test";
}

export function valueOf(o: readonly number[]): number {
  return o[0]! + o[1]! * o[2]! + o[3]! - o[4]! * o[5]!;
}

/** The first `count` distinct expressions of a split for this seed; item i depends only on (seed, split, maxValue, i). */
export function generateArithmetic(split: Split, seed: number, count: number, maxValue: number): Question[] {
  const out: Question[] = [];
  const seen = new Set<string>();
  const space = (maxValue + 1) ** 6;
  for (let i = 0; out.length < count; i++) {
    let found: Operands | null = null;
    for (let attempt = 0; attempt < 200 && !found; attempt++) {
      const r = rngFor("arithmetic", seed, split, maxValue, i, attempt);
      const o = Array.from({ length: 6 }, () => r.int(maxValue + 1)) as Operands;
      const e = expressionOf(o);
      if (splitOfExpression(e) === split && !seen.has(e)) found = o;
    }
    if (!found) {
      throw new UserError(
        `arithmetic: cannot find ${count} distinct ${split} expressions with max_value=${maxValue} ` +
          `(about ${Math.floor(space / 2)} exist per split); ask for fewer or raise max_value`,
      );
    }
    const expression = expressionOf(found);
    seen.add(expression);
    out.push({
      task: "arithmetic",
      split,
      id: `arith-${split}-${out.length}`,
      text: expression,
      gold: String(valueOf(found)),
      meta: { operands: found, maxValue, seed },
    });
  }
  return out;
}

function operandsOf(q: Question): Operands {
  const m = /^(\d+)\+(\d+)\*(\d+)\+(\d+)-(\d+)\*(\d+)$/.exec(q.text.trim());
  if (!m) throw new UserError(`arithmetic: question ${q.id} is not of the form a+b*c+d-e*f: ${q.text}`);
  return m.slice(1).map(Number) as Operands;
}

/** The steps of a+b*c+d-e*f: both products, then the sums left to right. */
export interface ArithmeticSteps {
  p1: number;
  p2: number;
  s1: number;
  s2: number;
  r: number;
}

export function stepsOf([a, b, c, d, e, f]: readonly number[]): ArithmeticSteps {
  const p1 = b! * c!;
  const p2 = e! * f!;
  const s1 = a! + p1;
  const s2 = s1 + d!;
  return { p1, p2, s1, s2, r: s2 - p2 };
}

/** The compact form, one operation per step (`4*5=20 7*8=56 3+20=23 23+6=29 29-56=-27 \boxed{-27}`); `s` may hold wrong steps. */
export function formatCompactSteps([a, b, c, d, e, f]: readonly number[], s: ArithmeticSteps): string {
  return `${b}*${c}=${s.p1} ${e}*${f}=${s.p2} ${a}+${s.p1}=${s.s1} ${s.s1}+${d}=${s.s2} ${s.s2}-${s.p2}=${s.r} \\boxed{${s.r}}`;
}

/** Correct compact worked steps ending in \boxed{answer}. */
export function compactSolution(o: readonly number[]): string {
  return formatCompactSteps(o, stepsOf(o));
}

/** A worked solution: the products first, then sums left to right, ending in `\boxed{N}`. */
export function arithmeticSolution(q: Question): string {
  const o = operandsOf(q);
  const [a, b, c, d, e, f] = o;
  const { p1, p2, s1, s2, r } = stepsOf(o);
  return (
    `${b}*${c}=${p1}, ${e}*${f}=${p2}, so ${q.text} = ${a}+${p1}+${d}-${p2} = ${s1}+${d}-${p2} = ${s2}-${p2} = ${r}. ` +
    `The answer is \\boxed{${r}}.`
  );
}

function positiveInt(name: string, v: unknown, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new UserError(`arithmetic: option ${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function arithmeticTask(options: ArithmeticOptions = {}): Task {
  const maxValue = positiveInt("max_value", options.maxValue ?? 30, 1);
  const solution = options.solution ?? "worked";
  if (solution !== "worked" && solution !== "compact")
    throw new UserError(`arithmetic: option solution must be "worked" or "compact", got ${JSON.stringify(solution)}`);
  const sizes: Record<Split, number> = {
    train: positiveInt("train_size", options.trainSize ?? 500, 1),
    test: positiveInt("test_size", options.testSize ?? 500, 1),
  };
  return {
    name: "arithmetic",
    description: `a+b*c+d-e*f with operands 0..${maxValue}, generated from a seed (the paper's arithmetic task)`,
    async questions(split: Split, opts: QuestionsOptions = {}) {
      if (opts.path) throw new UserError("arithmetic: questions are generated from a seed; it reads no file (drop the path)");
      const offset = opts.offset ?? 0;
      const count = opts.limit !== undefined ? offset + opts.limit : Math.max(sizes[split], offset);
      // Generated from the run's seed unless a seed is given: each seed of a run asks its own questions.
      return generateArithmetic(split, opts.seed ?? opts.runSeed ?? 0, count, maxValue).slice(offset);
    },
    promptVars: (q) => ({ question: q.text }),
    extract: (completion) => extractAnswer(completion),
    grade: (pred, gold) => gradeNumeric(pred, gold),
    canonical: (answer) => canonicalNumeric(answer),
    goldSolution: (q) => (solution === "compact" ? compactSolution(operandsOf(q)) : arithmeticSolution(q)),
  };
}
