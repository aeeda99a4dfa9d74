import { rngFor } from "./rng.js";
import type { ParseStatus, Question, Task } from "./types.js";

/**
 * Gold self-grading: extract each reference solution's answer with the task's own extractor and grade
 * it against the gold answer. 100% means extractor and grader agree with the data set. With
 * `shuffleSeed`, each solution is graded against another question's gold instead: a permissive grader
 * shows up as a high pass rate there.
 */

export interface SelfGradeFailure {
  id: string;
  extracted: string | null;
  status: ParseStatus;
  gold: string;
}

export interface SelfGradeReport {
  total: number;
  correct: number;
  failures: SelfGradeFailure[];
}

export function selfGrade(task: Task, questions: readonly Question[], opts: { shuffleSeed?: number } = {}): SelfGradeReport {
  const golds = questions.map((q) => q.gold);
  const against = opts.shuffleSeed === undefined ? golds : derange(golds, opts.shuffleSeed);
  const failures: SelfGradeFailure[] = [];
  let correct = 0;
  questions.forEach((q, k) => {
    const { answer, status } = task.extract(task.goldSolution(q));
    if (task.grade(answer, against[k]!)) correct++;
    else failures.push({ id: q.id, extracted: answer, status, gold: against[k]! });
  });
  return { total: questions.length, correct, failures };
}

/** A seeded permutation with no fixed points (a rotation of a shuffle). */
function derange<T>(items: readonly T[], seed: number): T[] {
  if (items.length < 2) return items.slice();
  const order = rngFor("derange", seed).shuffle(items.map((_, i) => i));
  const out = new Array<T>(items.length);
  order.forEach((from, k) => (out[from] = items[order[(k + 1) % order.length]!]!));
  return out;
}

export function percent(correct: number, total: number): string {
  return total ? ((100 * correct) / total).toFixed(1) : "0.0";
}
