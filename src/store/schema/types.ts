/**
 * The value types of the store's enum-like text columns and JSON columns, shared by both dialect schemas.
 * Type-only: drizzle-kit loads the schema files and must not need to resolve this at run time.
 */

export type RunStatus = "created" | "running" | "done" | "failed";

export type IterationStatus = "running" | "done" | "failed";
/**
 * A role name, declared by the protocol that seats the agent (debate: generator, critic, single,
 * summarizer; MALT: generator, verifier, refiner). Stored as text, so a new protocol needs no migration.
 */
export type AgentRole = string;
export type ModelKind = "base" | "lora" | "full" | "remote";
export type Phase = "train" | "test";
export type DebateStatus = "running" | "done" | "failed";
/** As src/tasks/types.ts defines it (a text column: new values need no migration). */
export type ParseStatus = "boxed" | "hash" | "choice" | "regex" | "number" | "fallback" | "unparsed";
/** G: generator data; C-/C+: critic data from wrong/right first answers; mixed: the critic's weighted mix. Open-ended. */
export type DatasetKind = "G" | "C-" | "C+" | "mixed" | (string & {});
/** chat: rows are chat examples (SFT); preference: rows are DPO pairs. */
export type DatasetFormat = "chat" | "preference";
/** Where a training job ran (the `Trainer` interface of src/training/types.ts is what runs it). */
export type TrainerKind = "local" | "openai";
/** abandoned: an attempt left "running" by a process that died; a resumed run supersedes it. */
export type TrainingStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled" | "abandoned";
export type UnitStatus = "done";

/** One chat message, the shape both backends send and the trainers read (defined once, in src/chat.ts). */
export type { ChatMessage } from "../../chat.js";

/** Final-answer vote counts of a debate: normalized answer → number of agents that gave it. */
export type VoteCounts = Record<string, number>;

/** How a tied majority vote was broken, so the choice can be audited and replayed. */
export interface TieBreak {
  candidates: string[];
  chosen: string;
  rule: string;
  seed?: number;
}

/** One point of a training loss curve. */
export interface LossPoint {
  step: number;
  loss: number;
  epoch?: number;
  lr?: number;
  /** Loss on held-out rows, when the trainer computes it. */
  evalLoss?: number;
}
