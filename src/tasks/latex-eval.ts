import { createRequire } from "node:module";
import type { MathJsInstance, MathNode } from "mathjs";
import { matchBrace } from "./extract.js";

/**
 * Numeric evaluation of (normalised) LaTeX answers through mathjs: `\frac{\sqrt{3}}{2}` and `0.866…`
 * can then be compared as numbers, and expressions in variables (`2k+2` vs `2(k+1)`) at a few fixed
 * points. Only a whitelisted subset of mathjs is reachable from answer text.
 */

// Loaded on first use: mathjs costs about a second of start-up, which plain-number grading and
// every other CLI command should not pay.
let instance: MathJsInstance | undefined;
function mathjs(): MathJsInstance {
  if (!instance) {
    const { create, all } = createRequire(import.meta.url)("mathjs") as typeof import("mathjs");
    instance = create(all, {});
  }
  return instance;
}

/** A value as a complex number (reals have im = 0). */
export interface Value {
  re: number;
  im: number;
}

class NotNumeric extends Error {}

const FUNCTIONS: Record<string, string> = {
  sin: "sin",
  cos: "cos",
  tan: "tan",
  cot: "cot",
  sec: "sec",
  csc: "csc",
  arcsin: "asin",
  arccos: "acos",
  arctan: "atan",
  sinh: "sinh",
  cosh: "cosh",
  tanh: "tanh",
  ln: "log",
  log: "log",
  exp: "exp",
};
const GREEK = new Set([
  "alpha",
  "beta",
  "gamma",
  "delta",
  "epsilon",
  "varepsilon",
  "zeta",
  "eta",
  "theta",
  "vartheta",
  "lambda",
  "mu",
  "nu",
  "xi",
  "rho",
  "sigma",
  "tau",
  "phi",
  "varphi",
  "chi",
  "psi",
  "omega",
]);
const ALLOWED_FUNCTIONS = new Set(["sqrt", "nthRoot", "combinations", "factorial", ...Object.values(FUNCTIONS)]);
const CONSTANTS = new Set(["pi", "e", "i"]);

/** LaTeX → a mathjs expression string, or null when the text is not a plain algebraic expression. */
export function latexToMathjs(latex: string): string | null {
  try {
    const mixed = /^(-?)(\d+)\\frac\{(\d+)\}\{(\d+)\}$/.exec(latex); // 1\frac{4}{5} is a mixed number
    if (mixed) return `${mixed[1]}(${mixed[2]}+${mixed[3]}/${mixed[4]})`;
    return convert(latex);
  } catch (e) {
    if (e instanceof NotNumeric) return null;
    throw e;
  }
}

function convert(s: string): string {
  let out = "";
  let i = 0;
  const arg = (): string => {
    while (s[i] === " ") i++;
    if (i >= s.length) throw new NotNumeric();
    if (s[i] === "{") {
      const close = matchBrace(s, i);
      if (close < 0) throw new NotNumeric();
      const body = s.slice(i + 1, close);
      i = close + 1;
      return `(${convert(body)})`;
    }
    if (s[i] === "\\") {
      const m = /^\\[a-zA-Z]+/.exec(s.slice(i));
      if (!m) throw new NotNumeric();
      i += m[0].length;
      return `(${convert(m[0])})`;
    }
    const c = s[i++]!;
    if (!/[0-9a-zA-Z]/.test(c)) throw new NotNumeric();
    return `(${convert(c)})`;
  };
  while (i < s.length) {
    const c = s[i]!;
    if (c === "\\") {
      const m = /^\\([a-zA-Z]+)/.exec(s.slice(i));
      if (!m) throw new NotNumeric(); // \{ \} \\ and other escapes: not an expression
      const name = m[1]!;
      i += m[0].length;
      if (name === "frac") {
        const a = arg();
        const b = arg();
        out += `(${a}/${b})`;
      } else if (name === "sqrt") {
        if (s[i] === "[") {
          const close = s.indexOf("]", i);
          if (close < 0) throw new NotNumeric();
          const n = convert(s.slice(i + 1, close));
          i = close + 1;
          out += `nthRoot(${arg()},(${n}))`;
        } else out += `sqrt${arg()}`;
      } else if (name === "binom") {
        const a = arg();
        const b = arg();
        out += `combinations(${a},${b})`;
      } else if (name === "pi") out += " pi ";
      else if (name === "cdot" || name === "times") out += "*";
      else if (name === "div") out += "/";
      else if (name in FUNCTIONS) {
        while (s[i] === " ") i++;
        if (s[i] === "(") out += ` ${FUNCTIONS[name]}`;
        else {
          const run = /^[0-9a-zA-Z.]+/.exec(s.slice(i));
          if (!run) throw new NotNumeric();
          i += run[0].length;
          out += ` ${FUNCTIONS[name]}(${convert(run[0])})`;
        }
      } else if (GREEK.has(name)) out += ` ${name} `;
      else throw new NotNumeric();
    } else if (c === "{") {
      const close = matchBrace(s, i);
      if (close < 0) throw new NotNumeric();
      out += `(${convert(s.slice(i + 1, close))})`;
      i = close + 1;
    } else if (c === "^") {
      i++;
      out += `^${arg()}`;
    } else if (/[a-zA-Z]/.test(c)) {
      out += ` ${c} `; // each letter is its own variable: `ab` means a·b
      i++;
    } else if (/[0-9.]/.test(c)) {
      const m = /^\d*\.?\d+|^\d+\.?/.exec(s.slice(i))!;
      out += ` ${m[0]} `;
      i += m[0].length;
    } else if ("+-*/()!".includes(c)) {
      out += c;
      i++;
    } else if (c === "[" || c === "]") {
      out += c === "[" ? "(" : ")";
      i++;
    } else if (c === " ") {
      out += " ";
      i++;
    } else throw new NotNumeric();
  }
  return out;
}

interface Compiled {
  evaluate(scope: Record<string, number>): Value | null;
  variables: string[];
}

const compiledCache = new Map<string, Compiled | null>();

/** Compiles a normalised LaTeX answer; null when it is not a whitelisted algebraic expression. */
export function compileLatex(latex: string): Compiled | null {
  if (compiledCache.has(latex)) return compiledCache.get(latex)!;
  const result = compileUncached(latex);
  if (compiledCache.size > 20_000) compiledCache.clear();
  compiledCache.set(latex, result);
  return result;
}

function compileUncached(latex: string): Compiled | null {
  const expr = latexToMathjs(latex);
  if (expr === null || !expr.trim()) return null;
  let node: MathNode;
  try {
    node = mathjs().parse(expr);
  } catch {
    return null;
  }
  const variables = new Set<string>();
  let ok = true;
  node.traverse((n: MathNode, path: string, parent: MathNode | null) => {
    switch (n.type) {
      case "ConstantNode":
      case "OperatorNode":
      case "ParenthesisNode":
        return;
      case "FunctionNode": {
        const name = (n as any).fn?.name as string;
        if (!ALLOWED_FUNCTIONS.has(name)) ok = false;
        // mathjs loops k times for combinations(n, k): keep it to small literal arguments
        if (name === "combinations" && !(n as any).args.every((a: MathNode) => smallConstant(a))) ok = false;
        return;
      }
      case "SymbolNode": {
        if (parent?.type === "FunctionNode" && path === "fn") return;
        const name = (n as any).name as string;
        if (!CONSTANTS.has(name)) variables.add(name);
        return;
      }
      default:
        ok = false;
    }
  });
  if (!ok || variables.size > 4) return null;
  const code = node.compile();
  return {
    variables: [...variables].sort(),
    evaluate(scope) {
      try {
        return toValue(code.evaluate({ ...scope }));
      } catch {
        return null;
      }
    },
  };
}

function smallConstant(n: MathNode): boolean {
  while (n.type === "ParenthesisNode") n = (n as any).content;
  return n.type === "ConstantNode" && typeof (n as any).value === "number" && Math.abs((n as any).value) <= 1000;
}

function toValue(v: unknown): Value | null {
  if (typeof v === "number") return Number.isFinite(v) ? { re: v, im: 0 } : null;
  if (v && typeof v === "object" && mathjs().typeOf(v) === "Complex") {
    const { re, im } = v as { re: number; im: number };
    return Number.isFinite(re) && Number.isFinite(im) ? { re, im: Math.abs(im) < 1e-13 * Math.max(1, Math.abs(re)) ? 0 : im } : null;
  }
  return null;
}

/** The value of a constant expression (no variables), or null. */
export function constantValue(latex: string): Value | null {
  const c = compileLatex(latex);
  if (!c || c.variables.length) return null;
  return c.evaluate({});
}

const REL_TOL = 1e-9;
const ABS_TOL = 1e-12;

/** Equal within a relative tolerance of 1e-9 (tight: 3.14159 is not π). */
export function closeValues(a: Value, b: Value): boolean {
  const diff = Math.hypot(a.re - b.re, a.im - b.im);
  const scale = Math.max(Math.hypot(a.re, a.im), Math.hypot(b.re, b.im));
  return diff <= REL_TOL * scale + ABS_TOL;
}

// Fixed, irrational-looking evaluation points, so `x^2` and `x` never agree by luck.
const POINTS = [
  [0.5772156649, 1.3247179572, 2.7182818285, 0.6931471806],
  [1.4142135624, -0.7390851332, 0.3183098862, 1.6180339887],
  [-1.2020569032, 0.9159655942, 2.2360679775, -0.5671432904],
  [2.6854520011, 0.2614972128, -1.7320508076, 0.8346268417],
];

/**
 * true/false when both sides compile to comparable expressions over the same variables; null when
 * either cannot be evaluated (then the caller decides, usually "not equal").
 */
export function numericallyEqual(a: string, b: string, opts: { negate?: boolean } = {}): boolean | null {
  const ca = compileLatex(a);
  const cb = compileLatex(b);
  if (!ca || !cb) return null;
  if (ca.variables.join(",") !== cb.variables.join(",")) return false;
  const points = ca.variables.length ? POINTS : [[]];
  let compared = 0;
  for (const p of points) {
    const scope: Record<string, number> = {};
    ca.variables.forEach((v, k) => (scope[v] = p[k]!));
    const va = ca.evaluate(scope);
    const vb0 = cb.evaluate(scope);
    if (!va || !vb0) continue;
    const vb = opts.negate ? { re: -vb0.re, im: -vb0.im } : vb0;
    if (!closeValues(va, vb)) return false;
    compared++;
  }
  if (ca.variables.length) return compared >= 2 ? true : null;
  return compared === 1 ? true : null;
}
