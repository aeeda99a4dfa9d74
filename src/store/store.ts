/** The Store: one object per open database, holding one small repository per table family. */
import { agentsRepo } from "./agents.js";
import type { Ctx, Dialect } from "./ctx.js";
import { datasetsRepo } from "./datasets.js";
import { debatesRepo } from "./debates.js";
import { iterationsRepo } from "./iterations.js";
import { leasesRepo } from "./leases.js";
import { metricsRepo } from "./metrics.js";
import { modelVersionsRepo } from "./model-versions.js";
import { questionsRepo } from "./questions.js";
import { runsRepo } from "./runs.js";
import { trainingJobsRepo } from "./training-jobs.js";
import { turnsRepo } from "./turns.js";
import { unitsRepo } from "./units.js";

export function buildRepos(ctx: Ctx) {
  return {
    runs: runsRepo(ctx),
    iterations: iterationsRepo(ctx),
    agents: agentsRepo(ctx),
    modelVersions: modelVersionsRepo(ctx),
    questions: questionsRepo(ctx),
    debates: debatesRepo(ctx),
    turns: turnsRepo(ctx),
    datasets: datasetsRepo(ctx),
    trainingJobs: trainingJobsRepo(ctx),
    metrics: metricsRepo(ctx),
    units: unitsRepo(ctx),
    leases: leasesRepo(ctx),
  };
}

export type Repos = ReturnType<typeof buildRepos>;

export interface Store extends Repos {
  readonly dialect: Dialect;
  /** Where the store lives, safe to print (passwords redacted). */
  readonly location: string;
  /**
   * Runs fn in ONE transaction: every store call made inside it (through this store, from fn's async
   * context) commits together or not at all. Keep fn to store calls — no model inference inside.
   * Nested calls join the outer transaction.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** Applies pending migrations; openStore already does unless told `migrate: false`. Idempotent. */
  migrate(): Promise<void>;
  /** How many migrations the database records as applied. */
  migrationsApplied(): Promise<number>;
  /** Closes the connection(s); safe to call twice. */
  close(): Promise<void>;
}
