import type { AgentModel } from "../backends/types.js";
import type { Phase } from "../store/index.js";
import type { StoredQuestion } from "./stored-question.js";

/**
 * What the loop asks of the debate engine: debate these questions with these agents, persisting every
 * turn under (method, iteration, phase) so a resumed call skips what is stored. Agent n speaks round 1
 * as `generators[n]` and rounds ≥ 2 as `critics[n]`.
 */
export interface DebateRequest {
  /** Store key; "base" for the debates of the untrained society, which every method shares. */
  method: string;
  iteration: number;
  phase: Phase;
  questions: StoredQuestion[];
  generators: AgentModel[];
  critics: AgentModel[];
  rounds: number;
  summarize: boolean;
  label: string;
  /** Template role for round 1 (default "generator"); STaR's rationalization uses "star-hint". */
  generatorRole?: string;
  /**
   * Extra template variables per question, by name (a request is data: workers rebuild it): "gold" gives
   * the template the question's gold answer as `gold` (STaR's rationalization hint).
   */
  vars?: "gold";
}

export interface DebatePort {
  run(req: DebateRequest): Promise<void>;
}
