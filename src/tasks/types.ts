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

/**
 * Where an extracted answer came from: an explicit marker (`boxed`, `hash` for GSM8K's `####`, `choice`
 * for an option letter, `regex`, `number` for a last-number extractor), a `fallback` guess, or `unparsed`.
 * `fallback` and `unparsed` are worth counting in reports.
 */
export type ParseStatus = "boxed" | "hash" | "choice" | "regex" | "number" | "fallback" | "unparsed";

export interface Extraction {
  answer: string | null;
  status: ParseStatus;
}

export interface QuestionsOptions {
  /** At most this many questions (after offset). */
  limit?: number;
  offset?: number;
  /** A data file (JSONL, JSON, CSV, Parquet; or a pattern) instead of the task's own source (data-set tasks only). */
  path?: string;
  /** Data sets: shuffle with this seed before offset/limit (file order when absent). Arithmetic: the generation seed. */
  seed?: number;
  /** The run's seed: tasks that generate their questions generate from it when no `seed` is given; data sets keep their order. */
  runSeed?: number;
}

/** A data file a split was read from, as a run records it: the same path and sha256 means the same data. */
export interface DataFile {
  /** Relative to the repository when inside it, else absolute. */
  path: string;
  sha256: string;
  rows: number;
  /** For files pulled from the Hugging Face Hub: which data set, commit and file. */
  hub?: { repo: string; revision: string; file: string };
}

export interface Task {
  name: string;
  /** One line for `society tasks list`. */
  description: string;
  /** Its prompts: a folder under prompts/ or an absolute path (default: the task's name; either falls back to prompts/default). */
  prompts?: string;
  /** The files a split's questions come from (data-set tasks; none for generated ones). */
  dataFiles?(split: Split, opts?: Pick<QuestionsOptions, "path">): Promise<DataFile[]>;
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
