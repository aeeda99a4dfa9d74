import { UserError } from "../errors.js";
import { extractAnswer } from "./extract.js";
import { readJsonl, resolveDataset, selectRows, stringField } from "./jsonl.js";
import { canonicalNumeric, gradeNumeric } from "./number.js";
import type { Question, QuestionsOptions, Split, Task } from "./types.js";

/** GSM8K grade-school word problems: JSONL `question` / `answer`, the final answer after `#### `. */

export function gsm8kGold(answer: string): string | null {
  const i = answer.lastIndexOf("####");
  if (i < 0) return null;
  const gold = answer.slice(i + 4).trim().replace(/,/g, "");
  return gold || null;
}

export function loadGsm8k(split: Split, opts: QuestionsOptions = {}): Question[] {
  const path = resolveDataset("gsm8k", `gsm8k/${split}.jsonl`, opts.path);
  const all = readJsonl(path).map((row): Question => {
    const text = stringField(path, row, "question");
    const solution = stringField(path, row, "answer");
    const gold = gsm8kGold(solution);
    if (gold === null) throw new UserError(`${path}:${row.line}: field "answer" has no "#### <final answer>"`);
    return { task: "gsm8k", split, id: `gsm8k-${split}-${row.index}`, text, gold, meta: { solution, line: row.line } };
  });
  return selectRows("gsm8k", all, opts);
}

export function gsm8kTask(): Task {
  return {
    name: "gsm8k",
    description: "GSM8K grade-school math word problems (numeric answers after ####)",
    questions: async (split, opts) => loadGsm8k(split, opts),
    promptVars: (q) => ({ question: q.text }),
    extract: (completion) => extractAnswer(completion, { hash: true }),
    grade: (pred, gold) => gradeNumeric(pred, gold),
    canonical: (answer) => canonicalNumeric(answer),
    goldSolution: (q) => String(q.meta?.solution ?? `#### ${q.gold}`),
  };
}
