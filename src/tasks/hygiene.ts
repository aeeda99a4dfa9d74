import { UserError } from "../errors.js";
import type { Question } from "./types.js";

/**
 * Split hygiene: training must never see an evaluation question. Compares task+id, and for the
 * generated arithmetic task also the expression text (ids there are positions, not identities).
 */
export function assertDisjoint(train: readonly Question[], test: readonly Question[]): void {
  const misplaced = [
    ...train.filter((q) => q.split !== "train").map((q) => `${q.task}:${q.id} (a ${q.split} question in the train set)`),
    ...test.filter((q) => q.split !== "test").map((q) => `${q.task}:${q.id} (a ${q.split} question in the test set)`),
  ];
  const testIds = new Set(test.map((q) => `${q.task}:${q.id}`));
  const testTexts = new Map(test.filter((q) => q.task === "arithmetic").map((q) => [q.text.trim(), q]));
  const overlaps: string[] = [];
  for (const q of train) {
    const key = `${q.task}:${q.id}`;
    if (testIds.has(key)) overlaps.push(key);
    else if (q.task === "arithmetic") {
      const t = testTexts.get(q.text.trim());
      if (t) overlaps.push(`${key} = ${t.task}:${t.id} ("${q.text.trim()}")`);
    }
  }
  const problems = [...misplaced, ...overlaps];
  if (problems.length) {
    const shown = problems.slice(0, 5).join("; ");
    const more = problems.length > 5 ? ` and ${problems.length - 5} more` : "";
    throw new UserError(`train and test splits overlap: ${problems.length} question(s): ${shown}${more}`);
  }
}
