/**
 * PostgreSQL schema of the run store (also used for PGlite). Mirrors ./sqlite.ts table for table,
 * column for column (same SQL names, same TypeScript row types; ./parity.ts makes tsc prove the latter).
 * Change both files together, then `npm run db:generate`.
 * Conventions: text ids (UUIDv7 made by the app, see ./ids.ts); times as timestamptz read back as Date;
 * JSON as jsonb; enum-like columns as plain text (checked in TypeScript only); seeds as bigint read back
 * as number.
 */
import {
  customType,
  pgTable,
  text,
  integer,
  bigint,
  doublePrecision,
  timestamp,
  uniqueIndex,
  index,
  primaryKey,
  type AnyPgColumn,
} from "drizzle-orm/pg-core";
import type {
  AgentRole,
  ChatMessage,
  DatasetFormat,
  DatasetKind,
  DebateStatus,
  IterationStatus,
  LossPoint,
  ModelKind,
  ParseStatus,
  Phase,
  RunStatus,
  TieBreak,
  TrainerKind,
  TrainingStatus,
  UnitStatus,
  VoteCounts,
} from "./types.js";
import { newId } from "./ids.js";

const id = () => text("id").primaryKey().$defaultFn(newId);
const time = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const created = () =>
  time("created_at")
    .notNull()
    .$defaultFn(() => new Date());
/**
 * jsonb that reads back exactly what was stored. Both drivers (node-postgres, PGlite) already parse jsonb;
 * drizzle's own jsonb would JSON.parse a string value a second time (the string "42" came back as 42).
 */
const json = <T>(name: string) =>
  customType<{ data: T; driverData: unknown }>({
    dataType: () => "jsonb",
    toDriver: (value) => JSON.stringify(value),
    fromDriver: (value) => value as T,
  })(name);
const seed = () => bigint("seed", { mode: "number" }).notNull();
const runRef = () =>
  text("run_id")
    .notNull()
    .references(() => runs.id, { onDelete: "cascade" });
const agentRef = () =>
  text("agent_id")
    .notNull()
    .references(() => agents.id, { onDelete: "cascade" });

export const runs = pgTable(
  "runs",
  {
    id: id(),
    name: text("name").notNull(),
    methods: json<string[]>("methods").notNull(),
    config: json<unknown>("config").notNull(),
    seed: seed(),
    status: text("status").$type<RunStatus>().notNull().default("created"),
    error: text("error"),
    createdAt: created(),
    updatedAt: time("updated_at")
      .notNull()
      .$defaultFn(() => new Date()),
  },
  (t) => [index("runs_created_idx").on(t.createdAt)],
);

export const iterations = pgTable(
  "iterations",
  {
    id: id(),
    runId: runRef(),
    method: text("method").notNull(),
    iteration: integer("iteration").notNull(),
    status: text("status").$type<IterationStatus>().notNull().default("running"),
    createdAt: created(),
    finishedAt: time("finished_at"),
  },
  (t) => [uniqueIndex("iterations_key_uq").on(t.runId, t.method, t.iteration)],
);

export const agents = pgTable(
  "agents",
  {
    id: id(),
    runId: runRef(),
    method: text("method").notNull(),
    role: text("role").$type<AgentRole>().notNull(),
    agentIndex: integer("agent_index").notNull(),
    createdAt: created(),
  },
  (t) => [uniqueIndex("agents_key_uq").on(t.runId, t.method, t.role, t.agentIndex)],
);

export const modelVersions = pgTable(
  "model_versions",
  {
    id: id(),
    agentId: agentRef(),
    iteration: integer("iteration").notNull(),
    kind: text("kind").$type<ModelKind>().notNull(),
    path: text("path"),
    remoteId: text("remote_id"),
    sha256: text("sha256"),
    parentId: text("parent_id").references((): AnyPgColumn => modelVersions.id, { onDelete: "set null" }),
    meta: json<unknown>("meta"),
    createdAt: created(),
  },
  (t) => [uniqueIndex("model_versions_key_uq").on(t.agentId, t.iteration)],
);

export const questions = pgTable(
  "questions",
  {
    id: id(),
    task: text("task").notNull(),
    split: text("split").notNull(),
    qid: text("qid").notNull(),
    text: text("text").notNull(),
    gold: text("gold").notNull(),
    /** sha256 of the text and gold: part of the identity, so two generators' "arith-train-0" stay two questions. */
    contentSha256: text("content_sha256").notNull().default(""),
    meta: json<unknown>("meta"),
    createdAt: created(),
  },
  (t) => [uniqueIndex("questions_key_uq").on(t.task, t.split, t.qid, t.contentSha256)],
);

export const debates = pgTable(
  "debates",
  {
    id: id(),
    runId: runRef(),
    method: text("method").notNull(),
    iteration: integer("iteration").notNull(),
    phase: text("phase").$type<Phase>().notNull(),
    questionId: text("question_id")
      .notNull()
      .references(() => questions.id),
    /** The protocol that ran this question ("debate", "malt", …): its turns are read back by it. */
    protocol: text("protocol").notNull().default("debate"),
    finalAnswer: text("final_answer"),
    votes: json<VoteCounts>("votes"),
    tieBreak: json<TieBreak>("tie_break"),
    status: text("status").$type<DebateStatus>().notNull().default("running"),
    createdAt: created(),
    finishedAt: time("finished_at"),
  },
  (t) => [uniqueIndex("debates_key_uq").on(t.runId, t.method, t.iteration, t.phase, t.questionId)],
);

export const turns = pgTable(
  "turns",
  {
    id: id(),
    debateId: text("debate_id")
      .notNull()
      .references(() => debates.id, { onDelete: "cascade" }),
    agentId: agentRef(),
    round: integer("round").notNull(),
    /** Where the turn sits in its protocol's unit: "" when (agent, round) identify it (debate), a tree path ("0.2.1") otherwise. */
    node: text("node").notNull().default(""),
    /** The turn this one answers (a tree node's parent); null at the root and in debates. */
    parentId: text("parent_id").references((): AnyPgColumn => turns.id, { onDelete: "cascade" }),
    modelVersionId: text("model_version_id").references(() => modelVersions.id, { onDelete: "set null" }),
    prompt: json<ChatMessage[]>("prompt").notNull(),
    completion: text("completion").notNull(),
    parsedAnswer: text("parsed_answer"),
    parseStatus: text("parse_status").$type<ParseStatus>().notNull(),
    promptTokens: integer("prompt_tokens").notNull(),
    completionTokens: integer("completion_tokens").notNull(),
    latencyMs: integer("latency_ms").notNull(),
    seed: seed(),
    meta: json<unknown>("meta"),
    createdAt: created(),
  },
  (t) => [uniqueIndex("turns_node_uq").on(t.debateId, t.agentId, t.round, t.node)],
);

export const datasets = pgTable(
  "datasets",
  {
    id: id(),
    runId: runRef(),
    method: text("method").notNull(),
    agentId: agentRef(),
    iteration: integer("iteration").notNull(),
    kind: text("kind").$type<DatasetKind>().notNull(),
    /** "chat": rows are chat examples; "preference": rows are DPO pairs (messages = the prompt). */
    format: text("format").$type<DatasetFormat>().notNull().default("chat"),
    rowCount: integer("row_count").notNull(),
    sha256: text("sha256").notNull(),
    createdAt: created(),
  },
  (t) => [uniqueIndex("datasets_key_uq").on(t.runId, t.method, t.agentId, t.iteration, t.kind)],
);

export const datasetRows = pgTable(
  "dataset_rows",
  {
    datasetId: text("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    rowIndex: integer("row_index").notNull(),
    sourceTurnIds: json<string[]>("source_turn_ids").notNull(),
    messages: json<ChatMessage[]>("messages").notNull(),
    /** Preference rows: the preferred and the rejected reply (assistant messages) after `messages`. */
    chosen: json<ChatMessage[]>("chosen"),
    rejected: json<ChatMessage[]>("rejected"),
    /** Their summed log-probs under the frozen reference, computed once before training. */
    refChosenLogp: doublePrecision("ref_chosen_logp"),
    refRejectedLogp: doublePrecision("ref_rejected_logp"),
  },
  (t) => [primaryKey({ name: "dataset_rows_pk", columns: [t.datasetId, t.rowIndex] })],
);

export const trainingJobs = pgTable(
  "training_jobs",
  {
    id: id(),
    runId: runRef(),
    agentId: agentRef(),
    iteration: integer("iteration").notNull(),
    trainer: text("trainer").$type<TrainerKind>().notNull(),
    datasetId: text("dataset_id").references(() => datasets.id, { onDelete: "set null" }),
    remoteJobId: text("remote_job_id"),
    status: text("status").$type<TrainingStatus>().notNull().default("queued"),
    config: json<unknown>("config"),
    lossCurve: json<LossPoint[]>("loss_curve"),
    error: text("error"),
    outputModelVersionId: text("output_model_version_id").references(() => modelVersions.id, { onDelete: "set null" }),
    createdAt: created(),
    startedAt: time("started_at"),
    finishedAt: time("finished_at"),
  },
  (t) => [uniqueIndex("training_jobs_remote_uq").on(t.remoteJobId), index("training_jobs_agent_idx").on(t.agentId, t.iteration)],
);

export const metrics = pgTable(
  "metrics",
  {
    id: id(),
    runId: runRef(),
    method: text("method").notNull(),
    iteration: integer("iteration").notNull(),
    name: text("name").notNull(),
    scope: text("scope").notNull(),
    value: doublePrecision("value").notNull(),
    extra: json<unknown>("extra"),
    createdAt: created(),
  },
  (t) => [uniqueIndex("metrics_key_uq").on(t.runId, t.method, t.iteration, t.name, t.scope)],
);

export const units = pgTable(
  "units",
  {
    runId: runRef(),
    key: text("key").notNull(),
    status: text("status").$type<UnitStatus>().notNull().default("done"),
    result: json<unknown>("result"),
    finishedAt: time("finished_at")
      .notNull()
      .$defaultFn(() => new Date()),
  },
  (t) => [primaryKey({ name: "units_pk", columns: [t.runId, t.key] })],
);

/** Who holds a named piece of work (a run, later a unit of it): one row per key; see ../leases.ts. */
export const leases = pgTable("leases", {
  key: text("key").primaryKey(),
  /** Random per acquisition: renewals and release compare it, so a holder that lost the lease cannot touch it. */
  token: text("token").notNull(),
  host: text("host").notNull(),
  pid: integer("pid").notNull(),
  meta: json<unknown>("meta"),
  acquiredAt: time("acquired_at").notNull(),
  renewedAt: time("renewed_at").notNull(),
  expiresAt: time("expires_at").notNull(),
});
