/** The run store's public surface. See README.md for the tables and the resume contract. */
export { openStore, type OpenStoreOptions } from "./open.js";
export type { Store, Repos } from "./store.js";
export type { Dialect } from "./ctx.js";
export { resolveDbUrl, parseDbUrl, describeTarget, redact, DEFAULT_DB_PATH, DB_URL_ENV, type DbTarget } from "./url.js";
export { toChatJsonl, toPreferenceJsonl, datasetJsonl } from "./datasets.js";
export type * from "./rows.js";
export type { NewRun } from "./runs.js";
export type { IterationKey } from "./iterations.js";
export type { AgentKey } from "./agents.js";
export type { NewModelVersion } from "./model-versions.js";
export type { NewQuestion } from "./questions.js";
export type { DebateKey, NewDebate, DebateResult, DebateFilter } from "./debates.js";
export type { NewTurn } from "./turns.js";
export type { DatasetKey, NewDatasetRow } from "./datasets.js";
export type { NewTrainingJob, TrainingJobPatch } from "./training-jobs.js";
export type { NewMetric, MetricFilter } from "./metrics.js";
export {
  holdLease,
  isStale,
  thisProcess,
  LeaseHeldError,
  DEFAULT_LEASE_TTL_MS,
  type HeldLease,
  type LeaseHolder,
  type Acquired,
} from "./leases.js";
export { questionContentSha256 } from "./questions.js";
