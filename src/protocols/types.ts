/**
 * The protocol seam. A protocol is how one question is worked by a set of agents: which roles speak, in
 * what order, what each one reads. It asks for every utterance through `Turns`, which reads the turn
 * back if the store has it and otherwise generates it with a derived seed and stores it (turns.ts), so
 * any protocol is resumable and reproducible without doing anything itself. The debate (debate/) and
 * MALT's generate → verify → refine tree (malt/) are the two instances.
 */
import type { AgentModel, ChatMessage } from "../backends/types.js";
import type { Turn } from "../store/index.js";
import type { Question, Task } from "../tasks/index.js";
import type { TieBreakRecord } from "./vote.js";

/** One agent a protocol can seat: a role the protocol declares, its position among that role's agents, its weights. */
export interface Seat {
  role: string;
  /** 0-based position among the seats of this role. */
  index: number;
  model: AgentModel;
  /** The store's model_versions row these weights are, recorded on every turn (training loop). */
  modelVersionId?: string;
}

export interface SamplingOptions {
  temperature: number;
  topP: number;
  maxTokens: number;
  stop?: string[];
}

/** What a turn looks like to the protocol that asked for it (a stored row, or an in-memory one). */
export type TurnRecord = Pick<
  Turn,
  "id" | "round" | "node" | "prompt" | "completion" | "parsedAnswer" | "parseStatus" | "promptTokens" | "completionTokens" | "meta"
>;

export interface TurnRequest {
  seat: Seat;
  /** 1-based: the debate round, or the depth of a tree node. */
  round: number;
  /** The node path within the question's unit ("0.2.1"); omit where seat and round identify the turn. */
  node?: string;
  /** The turn this one answers (a tree node's parent). */
  parent?: TurnRecord | null;
  prompt: ChatMessage[];
  /** Extract an answer from the completion (false for turns that are context only, e.g. summaries). */
  parse: boolean;
  /** Extra JSON stored on the turn, after `finishReason`. */
  meta?: Record<string, unknown>;
}

/** The turn engine as a protocol sees it: one question's turns, and its seeds. */
export interface Turns {
  /** The stored turn of (seat, round, node), or a freshly generated and stored one. */
  take(req: TurnRequest): Promise<TurnRecord>;
  /** A seed for a non-turn draw of this question (e.g. a vote's tie-break): same derivation as turns. */
  seed(label: string, position: number | string): number;
}

export interface ProtocolInput {
  question: Question;
  /** Renders the question's template variables, extracts and compares answers. */
  task: Task;
  /** Another prompts/ folder (tests, experiments). */
  promptsDir?: string;
}

/** What a protocol returns for one question (stored on its unit row: final answer, vote counts, tie-break). */
export interface ProtocolResult {
  finalAnswer: string | null;
  votes: Record<string, number>;
  tieBreak: TieBreakRecord | null;
}

/**
 * A protocol: the roles it declares (stored as the agents' role names), and how it runs one question over
 * the seats it is given. Everything it stores goes through `turns` (one row per utterance, with the node
 * path and parent for trees) and its result (the unit's final answer and votes).
 */
export interface Protocol {
  /** Stored on each unit row (`debates.protocol`). */
  readonly name: string;
  readonly roles: readonly string[];
  run(input: ProtocolInput, seats: readonly Seat[], turns: Turns): Promise<ProtocolResult>;
}

/** The seat of `role` at `index`; a protocol asking for a seat it was not given is a wiring bug. */
export function seatOf(seats: readonly Seat[], role: string, index = 0, protocol = "protocol"): Seat {
  const s = seats.find((x) => x.role === role && x.index === index);
  if (!s)
    throw new Error(`${protocol}: no ${role} seat ${index} (given: ${seats.map((x) => `${x.role}:${x.index}`).join(", ") || "none"})`);
  return s;
}

export const seatLabel = (s: { role: string; index: number }) => `${s.role}:${s.index}`;
