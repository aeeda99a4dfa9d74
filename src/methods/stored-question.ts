import type { Question } from "../tasks/index.js";

/** A question as the loop uses it: the task's question plus its row id in the store. */
export interface StoredQuestion extends Question {
  rowId: string;
}
