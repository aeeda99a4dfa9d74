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
