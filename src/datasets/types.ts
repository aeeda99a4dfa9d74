import type { ChatExample, ChatMessage } from "../chat.js";

/** One agent's turn as the filters see it: the chat it was given, what it said, and its answer's vote key (null = unparsed). */
export interface FilterTurn {
  turnId: string;
  round: number; // 1-based
  prompt: ChatMessage[];
  completion: string;
  answer: string | null;
}

/** Agent n's chain through one debate: round 1 spoken by generator n, rounds ≥ 2 by critic n. */
export interface AgentChain {
  agent: number;
  turns: FilterTurn[];
}

/** A finished debate: ŷ is the pseudo-label (majority of the final round), null when no answer parsed. */
export interface DebateTranscript {
  questionId: string;
  consensus: string | null;
  chains: AgentChain[];
}

/** A training row with the turns it came from, so every row can be traced back to the store. */
export interface DatasetRow extends ChatExample {
  questionId: string;
  sourceTurnIds: string[];
}

export type DatasetKind = "G" | "C-" | "C+" | "C" | "single" | "pooled" | "star" | "sft" | "pairs" | "saie" | "warmup" | "gold" | "magdi";

export interface BuiltDataset {
  kind: DatasetKind;
  agent: number;
  rows: DatasetRow[];
  /** Counts and choices a person needs to read the dataset (pool sizes, draws, replacement). */
  info: Record<string, number | string | boolean>;
}

/** A DPO preference pair with the turns it came from: `prompt`, then the preferred and the rejected reply. */
export interface PairRow {
  questionId: string;
  /** [chosen turn, rejected turn]. */
  sourceTurnIds: string[];
  prompt: ChatMessage[];
  chosen: ChatMessage[];
  rejected: ChatMessage[];
}

export interface BuiltPairs {
  kind: "pairs";
  agent: number;
  rows: PairRow[];
  info: Record<string, number | string | boolean>;
}
