/** The shared shape of a reasoning task: where questions come from, and how answers are read and graded. */

export type Split = "train" | "test";
export const SPLITS: readonly Split[] = ["train", "test"];

export interface Question {
  task: string;
  split: Split;
  /** Stable across runs: the store keys turns by it, and split hygiene compares it. */
  id: string;
  text: string;
  /** The reference final answer (not the worked solution). */
  gold: string;
  meta?: Record<string, unknown>;
}

/** Where an extracted answer came from; `fallback` and `unparsed` are worth counting in reports. */
export type ParseStatus = "boxed" | "hash" | "fallback" | "unparsed";

export interface Extraction {
  answer: string | null;
  status: ParseStatus;
}

export interface QuestionsOptions {
  /** At most this many questions (after offset). */
  limit?: number;
  offset?: number;
  /** A JSONL file instead of the task's default location (data-set tasks only). */
  path?: string;
  /** Data sets: shuffle with this seed before offset/limit (file order when absent). Arithmetic: the generation seed (default 0). */
  seed?: number;
}

export interface Task {
  name: string;
  /** One line for `society tasks list`. */
  description: string;
  questions(split: Split, opts?: QuestionsOptions): Promise<Question[]>;
  /** Variables for the prompts/ templates, e.g. {question}. */
  promptVars(q: Question): Record<string, string>;
  extract(completion: string): Extraction;
  /** null (unparsed) grades false: a missing answer is a wrong answer, never a dropped one. */
  grade(pred: string | null, gold: string): boolean;
  /** Key grouping equivalent answers for majority voting: equivalent answers should share it. */
  canonical(answer: string): string;
  /** A worked reference solution ending in the gold answer (used by `tasks check` and training corpora). */
  goldSolution(q: Question): string;
}
