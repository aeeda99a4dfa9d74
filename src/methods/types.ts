import type { AgentModel, Backend } from "../backends/types.js";
import type { RunConfig, MethodName } from "../config/schema.js";
import type { Embedder } from "../metrics/embedder.js";
import type { Store } from "../store/index.js";
import type { Task } from "../tasks/index.js";
import type { Trainer } from "../training/types.js";
import type { DebatePort } from "./debate-port.js";
import type { StoredQuestion } from "./stored-question.js";

export type { StoredQuestion };

/** What every method gets: the run's config and parts, already opened. Methods compose steps; they do no SQL, FFI or HTTP. */
export interface MethodContext {
  store: Store;
  runId: string;
  config: RunConfig;
  seed: number;
  task: Task;
  train: StoredQuestion[];
  test: StoredQuestion[];
  base: AgentModel;
  /**
   * Agent n's model in the untrained society (the debate every method shares at iteration 0; MAGDi's teachers):
   * `agent_models`, else the base model for every agent. Models on another backend carry its route.
   */
  agentModels: AgentModel[];
  /** MAGDi's student (`magdi.student`), resolved when a magdi method runs. */
  student?: AgentModel;
  backend: Backend;
  trainer: Trainer;
  debates: DebatePort;
  /** Set when metrics.embedding_model is configured: response embedding dissimilarity per evaluation. */
  embedder?: Embedder;
  /** runs/<run-id>/ */
  runDir: string;
  log: (line: string) => void;
  signal?: AbortSignal;
  /** Training jobs in flight at once: 1 in one process; more when workers run them (`society run --workers`). */
  trainConcurrency?: number;
}

export interface Method {
  name: MethodName;
  run(ctx: MethodContext): Promise<void>;
}
