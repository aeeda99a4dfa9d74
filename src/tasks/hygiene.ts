import { UserError } from "../errors.js";
import type { Question } from "./types.js";

/**
 * Split hygiene: training must never see an evaluation question. Compares task+id, and the question
 * text too (whitespace-normalised): for generated arithmetic ids are positions, not identities, and a
 * user-supplied train file can hold a test problem under another id.
 */
export function assertDisjoint(train: readonly Question[], test: readonly Question[]): void {
  const misplaced = [
    ...train.filter((q) => q.split !== "train").map((q) => `${q.task}:${q.id} (a ${q.split} question in the train set)`),
    ...test.filter((q) => q.split !== "test").map((q) => `${q.task}:${q.id} (a ${q.split} question in the test set)`),
  ];
  const textKey = (q: Question) => `${q.task}:${normalizedText(q.text)}`;
  const testIds = new Set(test.map((q) => `${q.task}:${q.id}`));
  const testTexts = new Map(test.map((q) => [textKey(q), q]));
  const overlaps: string[] = [];
  for (const q of train) {
    const key = `${q.task}:${q.id}`;
    if (testIds.has(key)) {
      overlaps.push(key);
      continue;
    }
    const t = testTexts.get(textKey(q));
    if (t) overlaps.push(`${key} = ${t.task}:${t.id} (same text: "${abbreviate(q.text)}")`);
  }
  const problems = [...misplaced, ...overlaps];
  if (problems.length) {
    const shown = problems.slice(0, 5).join("; ");
    const more = problems.length > 5 ? ` and ${problems.length - 5} more` : "";
    throw new UserError(`train and test splits overlap: ${problems.length} question(s): ${shown}${more}`);
  }
}

/** Whitespace-normalised question text: what hygiene compares. */
export const normalizedText = (text: string) => text.replace(/\s+/g, " ").trim();

function abbreviate(text: string): string {
  const t = normalizedText(text);
  return t.length > 40 ? `${t.slice(0, 40)}…` : t;
}
