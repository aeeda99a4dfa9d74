import { UserError } from "../errors.js";
import { extractAnswer, lastBoxed } from "./extract.js";
import { canonicalAnswer, isEquivalent } from "./equivalence.js";
import { datasetCandidates, readJsonl, resolveDataset, selectRows, stringField } from "./jsonl.js";
import type { Question, QuestionsOptions, Split, Task } from "./types.js";

/**
 * MATH competition problems (MATH-500 by default): JSONL `problem` / `solution` / `answer`, graded
 * by LaTeX-aware equivalence. MATH-500 has only a test split; a train split needs an explicit file.
 */

export function loadMath(split: Split, opts: QuestionsOptions = {}): Question[] {
  if (split === "train" && !opts.path) {
    throw new UserError(
      `math: no train split by default (MATH-500 at ${datasetCandidates("math500")[0]} has only test); pass a JSONL path for train`,
    );
  }
  const path = resolveDataset("math", `math500/${split}.jsonl`, opts.path);
  const all = readJsonl(path).map((row): Question => {
    const text = stringField(path, row, "problem");
    const solution = typeof row.value.solution === "string" ? row.value.solution : undefined;
    let gold = typeof row.value.answer === "string" ? row.value.answer.trim() : undefined;
    if (!gold && solution) gold = lastBoxed(solution)?.content;
    if (!gold) throw new UserError(`${path}:${row.line}: needs an "answer" field or a \\boxed{} answer in "solution"`);
    const id = typeof row.value.unique_id === "string" && row.value.unique_id ? row.value.unique_id : `math-${split}-${row.index}`;
    const meta: Record<string, unknown> = { line: row.line };
    if (solution) meta.solution = solution;
    if (row.value.subject !== undefined) meta.subject = row.value.subject;
    if (row.value.level !== undefined) meta.level = row.value.level;
    return { task: "math", split, id, text, gold, meta };
  });
  return selectRows("math", all, opts);
}

export function mathTask(): Task {
  return {
    name: "math",
    description: "MATH competition problems (MATH-500), LaTeX answers graded by equivalence",
    questions: async (split, opts) => loadMath(split, opts),
    promptVars: (q) => ({ question: q.text }),
    extract: (completion) => extractAnswer(completion),
    grade: (pred, gold) => isEquivalent(pred, gold),
    canonical: (answer) => canonicalAnswer(answer),
    goldSolution: (q) => (typeof q.meta?.solution === "string" ? q.meta.solution : `\\boxed{${q.gold}}`),
  };
}
