import type { EfficiencyRow } from "./efficiency.js";
import type { GraphSection } from "./graphs.js";

/** Everything a report shows, gathered from one or more runs (one per seed) of the same config. */
export interface ReportData {
  title: string;
  runIds: string[];
  task: string;
  seeds: number[];
  /** Per method: index 0 = before any finetuning, index l = after iteration l. */
  methods: Record<string, MethodSeries>;
  /** Per agent and iteration: its training set and how training went. */
  agents: AgentIterationRow[];
  /** What was run and what it cost (absent when the report is not built from a store). */
  summary?: RunSummary;
  /** Interaction graphs of the untrained debates (first run), per debate group. */
  graphs?: GraphSection[];
  /** MAGDi: the teachers' debate vs the student alone, per test question (first run). */
  efficiency?: EfficiencyRow[];
  /** Paired bootstraps over test questions (pooled over seeds): the first method against each other one, per iteration. */
  comparisons?: Comparison[];
}

/** The report's header: what was run, on what, and what each method cost (summed over seeds). */
export interface RunSummary {
  /** The first run's resolved config, as stored. */
  config: Record<string, unknown>;
  baseModel: string;
  backend: string;
  /** Distinct questions debated per split (largest over seeds). */
  questions: { train: number; test: number };
  /** Sum over the runs of (last update − creation). */
  wallSeconds: number;
  /** Per debate key (a method, or a shared debate such as "base"). */
  costs: Record<string, MethodCost>;
}

export interface MethodCost {
  debates: number;
  turns: number;
  promptTokens: number;
  completionTokens: number;
  /** Sum of the turns' generation latencies (concurrent turns overlap, so this exceeds wall time). */
  generationSeconds: number;
  /** Sum of the succeeded training jobs' durations. */
  trainingSeconds: number;
}

export interface Comparison {
  a: string;
  b: string;
  iteration: number;
  /** Mean accuracy difference a − b, its 95% interval and two-sided p-value. */
  diff: number;
  lo: number;
  hi: number;
  p: number;
  /** Paired (seed, question) items. */
  n: number;
}

export interface MethodSeries {
  /** Mean over seeds. */
  accuracy: number[];
  /** Std across seeds when several, else the binomial standard error of the one run. */
  stderr: number[];
  /** Per-seed accuracies (same index as `accuracy`), for mean ± std tables. */
  perSeed: number[][];
  /** Mean over seeds. */
  diversity: Record<string, number[]>;
  /** Std across seeds (several seeds only). */
  diversityStd?: Record<string, number[]>;
  /** MALT's search-tree statistics per iteration (`tree_*` metrics, mean over seeds), when the method grows trees. */
  tree?: Record<string, number[]>;
  /** SAIE's discussion statistics per iteration (`saie_*` metrics, mean over seeds), when the method discusses. */
  discussion?: Record<string, number[]>;
  /**
   * What the society does, mean over seeds: round1_accuracy (per-sample), round1_majority_accuracy
   * (maj@N), label_precision/<set> (ŷ right against gold, diagnosis only).
   */
  society?: Record<string, number[]>;
  societyStd?: Record<string, number[]>;
  /** Round-1 accuracy per agent (mean over seeds): agentRound1[iteration][agent]. */
  agentRound1?: number[][];
}

export interface AgentIterationRow {
  runId: string;
  method: string;
  agent: string; // e.g. "generator 0", "critic 2", "single"
  iteration: number;
  datasetRows: number;
  finalLoss: number | null;
  lossCurve: { step: number; loss: number; valLoss?: number }[];
}
