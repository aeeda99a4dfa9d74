import type { ChatMessage } from "../chat.js";
import type { BuiltDataset, DatasetRow, FilterTurn } from "./types.js";

export interface StarQuestion {
  questionId: string;
  gold: string;
  /** The model's own attempts with the plain prompt. */
  attempts: FilterTurn[];
  /** When every attempt failed: an attempt made with the gold answer given as a hint (STaR's rationalization). */
  rationalization?: FilterTurn;
  /** The plain prompt the rationalization is trained under, so the hint never reaches the training data. */
  plainPrompt: ChatMessage[];
}

/**
 * STaR (Zelikman et al., 2022): keep attempts graded right against the ground truth; for questions with
 * none right, keep a hinted rationalization that reaches the gold answer, re-attached to the plain prompt.
 * At most one row per question, as in STaR.
 */
export function starData(questions: readonly StarQuestion[], grade: (pred: string | null, gold: string) => boolean): BuiltDataset {
  const rows: DatasetRow[] = [];
  let direct = 0;
  let rationalized = 0;
  for (const q of questions) {
    const right = q.attempts.find((a) => grade(a.answer, q.gold));
    if (right) {
      direct++;
      rows.push({
        questionId: q.questionId,
        sourceTurnIds: [right.turnId],
        messages: [...right.prompt, { role: "assistant", content: right.completion }],
      });
      continue;
    }
    const r = q.rationalization;
    if (r && grade(r.answer, q.gold)) {
      rationalized++;
      rows.push({
        questionId: q.questionId,
        sourceTurnIds: [r.turnId],
        messages: [...q.plainPrompt, { role: "assistant", content: r.completion }],
      });
    }
  }
  return { kind: "star", agent: 0, rows, info: { questions: questions.length, direct, rationalized } };
}
