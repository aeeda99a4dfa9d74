import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { createRoutedBackend, type AgentModel, type Backend } from "../backends/index.js";
import { magdiSettings } from "../config/schema.js";
import type { RunConfig } from "../config/schema.js";
import { UserError } from "../errors.js";
import { addGenerationCost, debatePort, type GenerationCost } from "../methods/debate-adapter.js";
import type { DebateRequest } from "../methods/debate-port.js";
import { METHODS } from "../methods/registry.js";
import type { MethodContext, StoredQuestion } from "../methods/types.js";
import { holdLease, type Store } from "../store/index.js";
import { makeDirs } from "../util/dirs.js";
import { assertDisjoint, assertSameData, getTask, type Question, type RecordedData, type Task } from "../tasks/index.js";
import { backendSpec } from "../backends/spec.js";
import { resolveAgentModels, resolveBaseModel, resolveStudentModel } from "../models/resolve.js";
import { fitTaskToTinyModel } from "../models/tiny/task-fit.js";
import type { Trainer } from "../training/types.js";
import type { Embedder } from "../metrics/embedder.js";
import { openEmbedder } from "./embedder.js";
import { runIdFor } from "./run-id.js";
import { todayUtc } from "../util/today.js";
import { openTracker } from "../tracking/open.js";
import { trackedStore } from "../tracking/store-feed.js";

export interface ExecuteOptions {
  config: RunConfig;
  seed: number;
  store: Store;
  /** Where runs/<run-id>/ folders go. */
  outDir?: string;
  log?: (line: string) => void;
  /** Injected for tests; default: the base model the config names, the configured backend and trainer. */
  base?: AgentModel;
  backend?: Backend;
  trainer?: Trainer;
  /** Injected for tests; default: the model metrics.embedding_model names, if any. Closed by its owner. */
  embedder?: Embedder;
  /** Injected for tests; default: `agent_models` resolved, else the base model for every agent. */
  agentModels?: AgentModel[];
  /** Injected for tests; default: `magdi.student` resolved, when a magdi method runs. */
  student?: AgentModel;
  signal?: AbortSignal;
  /** What the lease says the holder is doing (default: this process's command line). */
  command?: string;
  /** The run lease's time to live (default DEFAULT_LEASE_TTL_MS); tests shorten it. */
  leaseTtlMs?: number;
  /** Coordinator mode: debate chunks and training jobs go to `society worker`s over the store's PostgreSQL (src/queue/). */
  workers?: CoordinatorOptions;
}

export interface CoordinatorOptions {
  /** The store's postgres:// URL; the queue lives in the same database. */
  dbUrl: string;
  /** Artifact store location (a shared directory or s3://…). */
  artifacts: string;
  /** Training jobs in flight at once. Default 8. */
  concurrency?: number;
  /** Questions per debate unit (DEFAULT_DEBATE_CHUNK). */
  debateChunk?: number;
  retries?: number;
  expireInSeconds?: number;
}

export interface ExecutedRun {
  runId: string;
  runDir: string;
  resumed: boolean;
}

/**
 * Runs (or resumes) one seed of a config: every method in `methods`, on the same questions and seeds.
 * The run id is derived from the config and seed, so the same command after a crash continues the same run.
 * One process at a time: the run's lease in the store (renewed while it runs) makes a second process
 * refuse with who holds it (LeaseHeldError). Anything that fails — set-up included — marks the run failed
 * with the reason.
 */
export async function executeRun(o: ExecuteOptions): Promise<ExecutedRun> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const config = { ...o.config, seed: o.seed, task: { ...o.config.task } };
  const runId = runIdFor(o.config, o.seed);
  // An injected base model is not the tiny model, whatever model.base says.
  if (!o.base) fitTaskToTinyModel(config);
  checkMethods(config);
  const task = getTask(config.task.name, config.task.options);
  // The lease first: a second process of this run must not touch it at all, not even its questions.
  let tracker: ReturnType<typeof openTracker> | undefined;
  const lease = await holdLease(o.store.leases, `run:${runId}`, {
    what: `run ${runId}`,
    ttlMs: o.leaseTtlMs,
    meta: { command: o.command ?? `society ${process.argv.slice(2).join(" ")}` },
    log,
  });
  try {
    const existing = await o.store.runs.get(runId);
    // The data each split is read from, recorded with the run; checked against a config that pins it (a
    // run's own resolved config.yaml) and against the run being resumed, before any question is stored.
    const dataFiles = await recordedData(task, config);
    if (dataFiles) {
      assertSameData(runId, o.config.task.data_files, dataFiles);
      if (existing) assertSameData(runId, (existing.config as RunConfig).task?.data_files, dataFiles);
      config.task.data_files = dataFiles;
    }
    config.model = { ...config.model, chat_template: pinnedChatTemplate(config, existing?.config as RunConfig | undefined, log) };
    // Questions (and split hygiene) before the run exists: bad data refuses the run without leaving one behind.
    const questions = await loadQuestions(o.store, task, config);
    const runDir = join(o.outDir ?? "runs", runId);
    try {
      makeDirs(runDir, "run folder");
    } catch (err) {
      throw new UserError((err as Error).message, { cause: err });
    }
    // Trackers see what the store commits, never the other way round (src/tracking/).
    tracker = openTracker(config.tracking, o.store, (l) => log(`warning: ${l}`));
    const store = tracker ? trackedStore(o.store, tracker, (l) => log(`warning: ${l}`)) : o.store;
    if (!existing) {
      await store.runs.create({ id: runId, name: config.name, methods: config.methods, config, seed: o.seed, status: "running" });
      writeFileSync(join(runDir, "config.yaml"), stringify(config));
    } else if (existing.status !== "done") {
      await store.runs.setStatus(runId, "running", null);
    }
    // We hold the lease: an attempt still marked running belongs to a process that died.
    const abandoned = await store.trainingJobs.abandonUnfinished(
      runId,
      "abandoned: the process training it stopped; a resumed run supersedes it",
    );
    log(
      `${existing ? "resuming" : "starting"} run ${runId} (${config.methods.join(", ")}; seed ${o.seed})${abandoned.length ? `; ${abandoned.length} interrupted training attempt(s) marked abandoned` : ""}`,
    );
    await runMethods(o, { config, runId, runDir, task, ...questions, store }, log, lease.signal);
    return { runId, runDir, resumed: !!existing };
  } finally {
    await tracker?.close();
    await lease.release();
  }
}

interface Prepared {
  config: RunConfig;
  runId: string;
  runDir: string;
  task: Task;
  train: StoredQuestion[];
  test: StoredQuestion[];
  /** The run's store: the caller's, or one that also feeds the run's trackers. */
  store: Store;
}

/** Set-up (base model, backend, trainer, embedder) and the methods, all under one failure mark. */
async function runMethods(o: ExecuteOptions, p: Prepared, log: (l: string) => void, leaseLost: AbortSignal): Promise<void> {
  const { config, runId, runDir, task, train, test, store } = p;
  let backend: Backend | undefined;
  let coordinator: Awaited<ReturnType<typeof openCoordinator>> | undefined;
  let embedder: Embedder | undefined;
  try {
    const base = o.base ?? (await resolveBaseModel(config, log));
    await checkLoraRank(config, base, !!o.trainer);
    const agents = o.agentModels ? { models: o.agentModels, routes: new Map() } : await resolveAgentModels(config, base, log);
    const usesMagdi = config.methods.some((m) => MAGDI_METHODS.has(m));
    const student = o.student ?? (usesMagdi ? await resolveStudentModel(magdiSettings(config).student, log) : undefined);
    backend = o.backend ?? (await createRoutedBackend(backendSpec(config), agents.routes));
    coordinator = o.workers ? await openCoordinator(o.workers, config, store, runId, runDir, log) : undefined;
    const trainer = coordinator?.trainer ?? o.trainer ?? (await defaultTrainer(config, store, runId));
    embedder = o.embedder ?? (await openEmbedder(config, base, backend));
    const signal = o.signal ? AbortSignal.any([o.signal, leaseLost]) : leaseLost;
    // A coordinator's own debates only read the workers' turns back: say so if it had to generate any.
    const recordCost =
      coordinator &&
      (async (req: DebateRequest, c: GenerationCost) => {
        log(`warning: ${req.label}: ${c.turns} turn(s) generated here, not on a worker (a debate unit left them unstored)`);
        await addGenerationCost(store, runId, req, c);
      });
    const local = debatePort({ store, backend, task, runId, config, seed: o.seed, base, recordCost: recordCost || undefined, signal });
    const ctx: MethodContext = {
      store,
      runId,
      config,
      seed: o.seed,
      task,
      train,
      test,
      base,
      agentModels: agents.models,
      student,
      backend,
      trainer,
      runDir,
      log,
      signal,
      embedder,
      debates: coordinator ? coordinator.debates({ local, base, routes: agents.routes, signal }) : local,
      trainConcurrency: coordinator ? (o.workers!.concurrency ?? 8) : 1,
    };
    for (const name of config.methods) {
      log(`── ${name}`);
      await METHODS[name].run(ctx);
    }
    await store.runs.setStatus(runId, "done");
  } catch (e) {
    await store.runs.setStatus(runId, "failed", (e as Error).message).catch(() => {});
    throw e;
  } finally {
    if (!o.embedder) await embedder?.close();
    if (!o.backend) await backend?.close();
    await coordinator?.close();
  }
}

/** A LoRA rank the base model cannot take fails now, not after the first round of debates. */
async function checkLoraRank(config: RunConfig, base: AgentModel, injectedTrainer: boolean): Promise<void> {
  const t = config.training;
  if (injectedTrainer || t.trainer !== "local" || t.mode !== "lora" || config.iterations === 0 || !existsSync(base.base)) return;
  const { maxLoraRank } = await import("../training/ggml/lora.js");
  const max = await maxLoraRank(base.base, t.lora.targets);
  if (t.lora.rank > max.rank)
    throw new UserError(`training.lora.rank ${t.lora.rank} exceeds the width of ${max.tensor} in ${base.base}: at most ${max.rank}`);
}

/**
 * The chat template a run renders with, its strftime_now() day fixed for the whole run (recorded in the
 * resolved config, kept on resume), so a chat trains on the same tokens on every day the run works. A run
 * stored before templates were configurable keeps node-llama-cpp's wrapper choice it rendered with then.
 */
function pinnedChatTemplate(
  config: RunConfig,
  existing: RunConfig | undefined,
  log: (l: string) => void,
): RunConfig["model"]["chat_template"] {
  const ct = config.model.chat_template;
  if (existing && existing.model && !existing.model.chat_template) {
    log(
      "note: this run was stored before chat templates were configurable: it keeps rendering with node-llama-cpp's wrapper (chat_template: auto)",
    );
    return { ...ct, source: "auto", date: ct.date ?? todayUtc() };
  }
  return { ...ct, date: ct.date ?? existing?.model.chat_template?.date ?? todayUtc() };
}

const MAGDI_METHODS = new Set<string>(["magdi", "magdi-nt", "magdi-nt-mr"]);
/** Methods that only debate the untrained society, or distil it into another model. */
const HETEROGENEOUS_OK = new Set<string>(["base", "majority", "debate", ...MAGDI_METHODS]);

/** Settings the methods cannot honour are refused before anything runs. */
function checkMethods(config: RunConfig): void {
  if (config.agent_models) {
    const bad = config.methods.filter((m) => !HETEROGENEOUS_OK.has(m));
    if (bad.length) {
      throw new UserError(
        `agent_models (each agent its own model) works with ${[...HETEROGENEOUS_OK].join(", ")}; ${bad.join(", ")} finetune their agents from model.base: drop agent_models or those methods`,
      );
    }
  }
  if (config.methods.some((m) => MAGDI_METHODS.has(m)) && config.training.trainer !== "local") {
    throw new UserError(
      "training.trainer: the magdi methods train their student with the local ggml trainer (its GCN and ranking heads); use trainer: local",
    );
  }
}

/** Loads both splits, refuses overlap (split hygiene), and records the questions in the store. */
async function loadQuestions(store: Store, task: Task, config: RunConfig): Promise<{ train: StoredQuestion[]; test: StoredQuestion[] }> {
  const load = (split: "train" | "test") => {
    const s = config.task[split];
    return task.questions(split, { limit: s.limit, offset: s.offset, path: s.path, runSeed: config.seed });
  };
  const [train, test] = [await load("train"), await load("test")];
  assertDisjoint(train, test);
  const attach = async (qs: Question[]): Promise<StoredQuestion[]> => {
    const rows = await store.questions.record(
      qs.map((q) => ({ task: q.task, split: q.split, qid: q.id, text: q.text, gold: q.gold, meta: q.meta ?? null })),
    );
    return qs.map((q, i) => ({ ...q, rowId: rows[i]!.id }));
  };
  return { train: await attach(train), test: await attach(test) };
}

/** Each split's data files with sha256 (none for generated tasks). */
async function recordedData(task: Task, config: RunConfig): Promise<RecordedData | undefined> {
  if (!task.dataFiles) return undefined;
  const out: RecordedData = {};
  for (const split of ["train", "test"] as const) {
    // A split the task has no source for is an error when its questions are loaded, with the fuller message.
    out[split] = await task.dataFiles(split, { path: config.task[split].path }).catch(() => undefined);
  }
  return out;
}

/**
 * The queue and artifact store a coordinating run sends its debate chunks and training jobs through. The
 * local backend stays open: it reads the workers' turns back, and runs what is not queued (MALT, SAIE and
 * MAGDi protocol trees: runProtocol in methods/steps/run-protocol.ts).
 */
async function openCoordinator(
  w: CoordinatorOptions,
  config: RunConfig,
  store: Store,
  runId: string,
  runDir: string,
  log: (l: string) => void,
) {
  if (config.training.trainer !== "local")
    throw new UserError("--workers runs local training jobs on workers; training.trainer: openai trains remotely already");
  const { openBoss } = await import("../queue/boss.js");
  const { queuedTrainer } = await import("../queue/queued-trainer.js");
  const { queuedDebates } = await import("../queue/queued-debates.js");
  const { DEFAULT_DEBATE_CHUNK } = await import("../queue/debate-unit.js");
  const { openArtifactStore, putOnce } = await import("../artifacts/index.js");
  const boss = await openBoss(w.dbUrl, w);
  const artifacts = openArtifactStore(w.artifacts, { cacheDir: join(runDir, "artifact-cache") });
  const put = putOnce(artifacts);
  const q = { boss, store, runId, log };
  const chunk = w.debateChunk ?? DEFAULT_DEBATE_CHUNK;
  log(
    `coordinating: debates (${chunk} questions a unit) and training jobs go to workers on ${store.location} (artifacts in ${artifacts.location})`,
  );
  return {
    trainer: queuedTrainer({ ...q, artifacts, put, runDir }),
    debates: (d: Pick<Parameters<typeof queuedDebates>[0], "local" | "base" | "routes" | "signal">) =>
      queuedDebates({ ...q, ...d, put, chunk }),
    close: () => boss.stop({ graceful: false, wait: true }),
  };
}

async function defaultTrainer(config: RunConfig, store: Store, runId: string): Promise<Trainer> {
  const t = config.training;
  if (t.trainer === "openai") {
    const m = config.model;
    // Fine-tuned remote models are ids only the endpoint that trained them can run.
    if (m.backend !== "openai")
      throw new UserError("training.trainer: openai needs model.backend: openai (the fine-tuned models are remote ids)");
    const { openaiTrainer, storeJobLedger } = await import("../training/openai/index.js");
    return openaiTrainer({
      baseURL: m.openai.base_url,
      apiKeyEnv: m.openai.api_key_env,
      timeoutS: m.openai.timeout_s,
      maxRetries: m.openai.max_retries,
      suffix: t.openai_suffix,
      ledger: storeJobLedger(store, runId),
    });
  }
  const { ggmlTrainer } = await import("../training/ggml/index.js");
  return ggmlTrainer;
}
