import { letterOf } from "./choice.js";
import { canonicalAnswer, isEquivalent } from "./equivalence.js";
import { canonicalNumeric, gradeNumeric, parseLooseNumber } from "./number.js";

/**
 * Graders by name, as task files name them. `canonical` keys majority votes (equivalent answers share it);
 * `goldProblem` says why a reference answer cannot be graded (null when it can), so a data set with an
 * unusable gold is refused when it is read, not scored wrong for ever.
 */

export const GRADER_NAMES = ["numeric", "latex", "exact", "multiple_choice"] as const;
export type GraderName = (typeof GRADER_NAMES)[number];

export interface GraderSpec {
  name: GraderName;
  /** exact: compare case-insensitively. */
  ignore_case?: boolean;
}

export interface Grader {
  spec: GraderSpec;
  grade(pred: string | null, gold: string): boolean;
  canonical(answer: string): string;
  goldProblem(gold: string): string | null;
}

export function makeGrader(spec: GraderSpec): Grader {
  switch (spec.name) {
    case "numeric":
      return {
        spec,
        grade: gradeNumeric,
        canonical: canonicalNumeric,
        goldProblem: (g) => (parseLooseNumber(g) === null ? "is not a number" : null),
      };
    case "latex":
      return { spec, grade: isEquivalent, canonical: canonicalAnswer, goldProblem: (g) => (g.trim() ? null : "is empty") };
    case "exact": {
      const norm = (s: string) => {
        const t = s.replace(/\s+/g, " ").trim();
        return spec.ignore_case ? t.toLowerCase() : t;
      };
      return {
        spec,
        grade: (p, g) => p !== null && norm(p) === norm(g),
        canonical: norm,
        goldProblem: (g) => (norm(g) ? null : "is empty"),
      };
    }
    case "multiple_choice":
      return {
        spec,
        grade: (p, g) => p !== null && letterOf(p) !== null && letterOf(p) === letterOf(g),
        canonical: (a) => letterOf(a) ?? a.trim().toUpperCase(),
        goldProblem: (g) => (letterOf(g) ? null : "is not an option letter"),
      };
  }
}
