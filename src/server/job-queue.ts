/**
 * Fine-tuning jobs, run one at a time on the local trainer (training takes every core). Jobs and their
 * events are persisted under <data-dir>/jobs/, adapters under <data-dir>/models/; a restarted server
 * serves the models of finished jobs again and re-queues the jobs it was running (training is seeded, so
 * a re-run gives the same adapter).
 */
import type { ChatTemplateOptions } from "../backends/llama/chat-wrapper.js";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_DPO_BETA, DEFAULT_LORA, defaultOptim } from "../training/defaults.js";
import type { LoraOptions, TrainProgress, TrainRequest, Trainer } from "../training/types.js";
import { ApiError, badRequest, notFound } from "./api-error.js";
import type { FileStore } from "./files.js";
import {
  event,
  newId,
  now,
  storedJobSchema,
  TERMINAL,
  type FineTuneJob,
  type Hyperparameters,
  type JobEvent,
  type JobMethod,
  type StoredJob,
} from "./fine-tune-job.js";
import { readJsonRecords, writeJsonAtomic } from "./json-file.js";
import type { ModelRegistry } from "./model-registry.js";

export interface FineTuneDefaults {
  epochs: number;
  batchSize: number;
  /** The learning rate that learning_rate_multiplier 1 means. */
  lr: number;
  lora: Pick<LoraOptions, "rank" | "alpha">;
  /** Trainer threads (default: all cores). */
  threads?: number;
  /** Positions per training row (default: the longest example). */
  contextLength?: number;
  /** Jobs that may wait behind the running one; more are refused with 429. */
  maxQueued: number;
  /** How training chats render: the served backend's template and day. */
  chatTemplate?: ChatTemplateOptions;
}

const LORA_OPTIM = defaultOptim("lora");
export const DEFAULT_FINE_TUNE: FineTuneDefaults = {
  epochs: LORA_OPTIM.epochs,
  batchSize: LORA_OPTIM.batchSize,
  lr: LORA_OPTIM.lr,
  lora: { rank: DEFAULT_LORA.rank, alpha: DEFAULT_LORA.alpha },
  maxQueued: 32,
};

export interface NewJob {
  model: string;
  trainingFile: string;
  /** Default supervised; dpo's beta defaults to training/defaults.ts's. */
  method?: { type: "supervised" } | { type: "dpo"; beta?: number };
  hyperparameters: Partial<Hyperparameters>;
  seed?: number;
  suffix?: string;
  metadata?: Record<string, string>;
}

// A function, so TypeScript does not narrow the status across the await that may change it.
const cancelled = (job: FineTuneJob) => job.status === "cancelled";

/** Metrics events at most this often (and always at the last step). */
const METRICS_EVERY_MS = 1000;

export class FineTuneQueue {
  private readonly jobs = new Map<string, StoredJob>();
  private readonly pending: string[] = [];
  private readonly jobsDir: string;
  private readonly modelsDir: string;
  private running?: { id: string; abort: AbortController; done: Promise<void> };
  private closed = false;

  constructor(
    dataDir: string,
    private readonly deps: {
      registry: ModelRegistry;
      files: FileStore;
      trainer: Trainer;
      defaults: FineTuneDefaults;
      log?: (line: string) => void;
    },
  ) {
    this.jobsDir = join(dataDir, "jobs");
    this.modelsDir = join(dataDir, "models");
    mkdirSync(this.jobsDir, { recursive: true });
    mkdirSync(this.modelsDir, { recursive: true });
  }

  /** Reloads persisted jobs: finished models are served again, unfinished jobs are queued again. */
  restore(): void {
    const stored = readJsonRecords<StoredJob>(
      this.jobsDir,
      storedJobSchema,
      (s) => s.job.id,
      (l) => this.deps.log?.(l),
    );
    stored.sort((a, b) => a.job.created_at - b.job.created_at || (a.job.id < b.job.id ? -1 : 1));
    for (const s of stored) {
      this.jobs.set(s.job.id, s);
      if (s.job.status === "succeeded") this.register(s);
      else if (!TERMINAL.includes(s.job.status)) {
        s.job.status = "queued";
        this.addEvent(s, event("The server restarted; the job is queued again"));
        this.pending.push(s.job.id);
      }
    }
    this.pump();
  }

  create(req: NewJob): FineTuneJob {
    const base = this.deps.registry.get(req.model);
    const file = this.deps.files.get(req.trainingFile, "training_file");
    const max = this.deps.defaults.maxQueued;
    const wouldWait = this.running ? this.pending.length + 1 : 0;
    if (wouldWait > max) {
      throw new ApiError(
        429,
        `${this.pending.length} fine-tuning jobs are already queued (this server's limit is ${max}); wait for some to finish or cancel some`,
        "invalid_request_error",
        null,
        "rate_limit_exceeded",
      );
    }
    const dpo = req.method?.type === "dpo";
    // The file must hold what the method trains on (a 400 now rather than a failed job later).
    if (dpo) this.deps.files.pairs(file.id);
    else this.deps.files.examples(file.id);
    const d = this.deps.defaults;
    const hp: Hyperparameters = {
      n_epochs: req.hyperparameters.n_epochs ?? d.epochs,
      batch_size: req.hyperparameters.batch_size ?? d.batchSize,
      learning_rate_multiplier: req.hyperparameters.learning_rate_multiplier ?? 1,
    };
    const method: JobMethod =
      req.method?.type === "dpo"
        ? { type: "dpo", dpo: { hyperparameters: { ...hp, beta: req.method.beta ?? DEFAULT_DPO_BETA } } }
        : { type: "supervised", supervised: { hyperparameters: hp } };
    const id = newId("ftjob");
    const job: FineTuneJob = {
      id,
      object: "fine_tuning.job",
      created_at: now(),
      finished_at: null,
      model: req.model,
      fine_tuned_model: null,
      organization_id: "society",
      result_files: [],
      seed: req.seed ?? Math.floor(Math.random() * 2 ** 31),
      status: "queued",
      trained_tokens: null,
      training_file: file.id,
      validation_file: null,
      hyperparameters: hp,
      error: null,
      estimated_finish: null,
      integrations: [],
      metadata: req.metadata ?? null,
      method,
      user_provided_suffix: req.suffix ?? null,
    };
    const s: StoredJob = { job, events: [], root: base.root };
    this.jobs.set(id, s);
    this.addEvent(
      s,
      event(
        `Created ${dpo ? "DPO " : ""}fine-tuning job: ${id} (${file.examples} ${dpo ? "preference pairs" : "examples"}, base ${req.model})`,
      ),
    );
    this.pending.push(id);
    this.pump();
    return job;
  }

  get(id: string): StoredJob {
    const s = this.jobs.get(id);
    if (!s) throw notFound(`no fine-tuning job "${id}"`, "fine_tuning_job_id");
    return s;
  }

  /** Newest first. */
  list(): FineTuneJob[] {
    return [...this.jobs.values()].map((s) => s.job).sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1));
  }

  cancel(id: string): FineTuneJob {
    const s = this.get(id);
    if (TERMINAL.includes(s.job.status))
      throw badRequest(`job ${id} has already ${s.job.status === "cancelled" ? "been cancelled" : s.job.status}`, "fine_tuning_job_id");
    const i = this.pending.indexOf(id);
    if (i >= 0) this.pending.splice(i, 1);
    this.finish(s, "cancelled");
    this.addEvent(s, event("The job was cancelled"));
    if (this.running?.id === id) this.running.abort.abort(Object.assign(new Error("cancelled"), { name: "AbortError" }));
    return s.job;
  }

  /** Stops taking jobs and interrupts the running one (it stays "running" on disk, so a restart re-queues it). */
  async close(): Promise<void> {
    this.closed = true;
    const r = this.running;
    if (r) {
      r.abort.abort(Object.assign(new Error("server shutting down"), { name: "AbortError" }));
      await r.done;
    }
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const id = this.pending.shift();
    if (!id) return;
    const abort = new AbortController();
    const done = this.runJob(this.jobs.get(id)!, abort.signal).finally(() => {
      this.running = undefined;
      this.pump();
    });
    this.running = { id, abort, done };
  }

  private async runJob(s: StoredJob, signal: AbortSignal): Promise<void> {
    const { job } = s;
    job.status = "running";
    this.addEvent(s, event("Fine-tuning job started"));
    const outPath = join(this.modelsDir, `${job.id}.gguf`);
    let lastMetrics = 0;
    try {
      const base = this.deps.registry.get(job.model);
      // Jobs persisted before dpo existed have a supervised method.
      const data: Pick<TrainRequest, "objective" | "examples" | "pairs"> =
        job.method?.type === "dpo"
          ? { objective: { kind: "dpo", beta: job.method.dpo.hyperparameters.beta }, pairs: this.deps.files.pairs(job.training_file) }
          : { examples: this.deps.files.examples(job.training_file) };
      const hp = job.hyperparameters;
      const d = this.deps.defaults;
      const result = await this.deps.trainer.train({
        baseModelPath: base.model.base,
        initAdapterPath: base.model.adapter,
        ...data,
        chatTemplate: d.chatTemplate,
        mode: "lora",
        outPath,
        lora: d.lora,
        optim: { epochs: hp.n_epochs, batchSize: hp.batch_size, lr: d.lr * hp.learning_rate_multiplier },
        contextLength: d.contextLength,
        seed: job.seed,
        threads: d.threads,
        signal,
        onLog: (m) => this.addEvent(s, event(m, { level: m.startsWith("warning") ? "warn" : "info" })),
        onProgress: (p: TrainProgress) => {
          const t = Date.now();
          if (t - lastMetrics < METRICS_EVERY_MS && p.step < p.totalSteps) return;
          lastMetrics = t;
          job.estimated_finish = now() + Math.round(p.etaSeconds);
          this.addEvent(
            s,
            event(`Step ${p.step}/${p.totalSteps}: training loss=${p.loss.toFixed(4)}`, {
              type: "metrics",
              data: {
                step: p.step,
                total_steps: p.totalSteps,
                epoch: p.epoch,
                train_loss: p.loss,
                valid_loss: p.valLoss ?? null,
                lr: p.lr,
                tokens_per_second: p.tokensPerSecond,
                eta_seconds: p.etaSeconds,
                // the objective's own figures (dpo: rewards/margins, rewards/accuracies, …)
                ...(p.metrics ? { metrics: p.metrics } : {}),
                ...(p.valMetrics ? { valid_metrics: p.valMetrics } : {}),
              },
            }),
          );
        },
      });
      if (cancelled(job)) return; // cancelled while the last step finished
      s.adapterPath = result.outPath;
      job.trained_tokens = result.trainTokens;
      job.fine_tuned_model = this.modelId(s);
      this.register(s);
      this.addEvent(
        s,
        event(`New fine-tuned model created: ${job.fine_tuned_model}`, {
          data: { steps: result.steps, seconds: result.seconds, sha256: result.sha256 },
        }),
      );
      this.finish(s, "succeeded");
      this.addEvent(s, event("The job has successfully completed"));
      this.deps.log?.(`fine-tuning ${job.id}: ${job.fine_tuned_model} (${result.steps} steps, ${result.seconds.toFixed(1)} s)`);
    } catch (e) {
      if (cancelled(job)) return;
      if (signal.aborted) return this.persist(s); // shutting down: stays "running", re-queued on restart
      const message = (e as Error).message;
      job.error = { code: "training_failed", message, param: null };
      this.finish(s, "failed");
      this.addEvent(s, event(`Fine-tuning failed: ${message}`, { level: "error" }));
      this.deps.log?.(`fine-tuning ${job.id} failed: ${message}`);
    }
  }

  /** ft:<base>:<suffix or "society">:<short id>, like OpenAI's. */
  private modelId(s: StoredJob): string {
    return `ft:${s.root}:${s.job.user_provided_suffix || "society"}:${s.job.id.slice(-8)}`;
  }

  private register(s: StoredJob): void {
    const { job } = s;
    if (!job.fine_tuned_model || !s.adapterPath || !existsSync(s.adapterPath)) return;
    const parent = this.deps.registry.find(job.model);
    if (!parent) return; // its base is not served this time
    this.deps.registry.add({
      id: job.fine_tuned_model,
      model: { base: parent.model.base, adapter: s.adapterPath },
      parent: job.model,
      root: s.root,
      created: job.finished_at ?? now(),
    });
  }

  private finish(s: StoredJob, status: "succeeded" | "failed" | "cancelled"): void {
    s.job.status = status;
    s.job.finished_at = now();
    s.job.estimated_finish = null;
    this.persist(s);
  }

  private addEvent(s: StoredJob, e: JobEvent): void {
    s.events.push(e);
    this.persist(s);
  }

  private persist(s: StoredJob): void {
    writeJsonAtomic(join(this.jobsDir, `${s.job.id}.json`), s);
  }
}
