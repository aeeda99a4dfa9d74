/** What an experiment tracker receives: a society run, its metric points, its files, its status. */

export interface TrackedRun {
  /** The society run id (name-seed-hash), stable across resumes. */
  id: string;
  name: string;
  seed: number;
  methods: string[];
  /** The resolved run config. */
  config: unknown;
}

export interface MetricPoint {
  /** e.g. `multiagent-ft/accuracy`, `multiagent-ft/train_loss/generator0/it1`. */
  key: string;
  value: number;
  step: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export type TrackedStatus = "running" | "done" | "failed";

/**
 * One tracking backend (MLflow, TensorBoard). Calls for one sink arrive one at a time, in order, off the
 * run's critical path; a throw is reported as a warning and never reaches the run.
 */
export interface TrackingSink {
  readonly name: string;
  /** Opens the tracking run, or reopens the one a previous attempt of this society run opened. */
  start(run: TrackedRun): Promise<void>;
  metrics(runId: string, points: readonly MetricPoint[]): Promise<void>;
  /** A file of the run (the resolved config, the report): `path` is its name inside the run's artifacts. */
  artifact(runId: string, path: string, content: Uint8Array): Promise<void>;
  status(runId: string, status: TrackedStatus, error?: string | null): Promise<void>;
  close(): Promise<void>;
}
