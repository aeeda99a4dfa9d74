/**
 * The remote trainer: the same Trainer contract as the local one, over any OpenAI-compatible
 * fine-tuning API (OpenAI, `society serve`) through the official SDK. train() uploads the examples as
 * chat JSONL and creates a supervised job — or, for objective dpo, uploads the pairs in OpenAI's preference
 * format and creates a `dpo` job with β (the provider computes its own reference log-probs, from the job's
 * base model) — polls its status and events (progress and log lines), and returns the fine-tuned model id
 * as `outPath` (the id is the artifact; nothing is written locally).
 *
 * Resumable: before creating a job it looks for one an earlier attempt started for the same request
 * (the ledger, e.g. the run store, then the provider's job list filtered by the request's hash in the job
 * metadata), and re-attaches to it if it is still queued, running or done. An abort stops polling but
 * leaves the remote job running, so the restarted run picks it up.
 */
import { createHash } from "node:crypto";
import OpenAI, { toFile } from "openai";
import { openaiApiKey } from "../../backends/openai/api-key.js";
import { withRetries } from "../../backends/openai/retry.js";
import { UserError } from "../../errors.js";
import { defaultOptim } from "../defaults.js";
import { validatePairs } from "../preference.js";
import { toPreferenceJsonl } from "../preference-jsonl.js";
import { toChatJsonl } from "../../store/index.js";
import type { Trainer, TrainRequest, TrainResult } from "../types.js";
import { EventReader, progressOf } from "./events.js";
import type { JobLedger } from "./ledger.js";
import { METADATA_KEY, requestKey, type RemoteHyperparameters } from "./request-key.js";

type Job = OpenAI.FineTuning.Jobs.FineTuningJob;

export interface OpenAITrainerOptions {
  /** e.g. http://127.0.0.1:8080/v1; default OpenAI's API. */
  baseURL?: string;
  /** The environment variable holding the key. Default OPENAI_API_KEY. */
  apiKeyEnv?: string;
  env?: NodeJS.ProcessEnv;
  /** Appended to the fine-tuned model's name by the provider. */
  suffix?: string;
  /** The longest wait between status polls (they start at 250 ms and grow 1.5× per poll). Default 5000 ms. */
  pollIntervalMs?: number;
  /**
   * The learning rate that learning_rate_multiplier 1 stands for: the multiplier sent is optim.lr /
   * referenceLr. Default: the LoRA default lr (training/defaults.ts), which is also `society serve`'s --ft-lr default.
   */
  referenceLr?: number;
  /** Where attempts record their remote job (the run store in the loop). */
  ledger?: JobLedger;
  /** Give up waiting after this long (the job keeps running). Default: wait as long as it takes. */
  maxWaitS?: number;
  timeoutS?: number;
  maxRetries?: number;
  retryBaseMs?: number;
}

const FAILED = new Set(["failed", "cancelled"]);
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((done) => {
    const t = setTimeout(done, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        done();
      },
      { once: true },
    );
  });

export class OpenAITrainer implements Trainer {
  private readonly client: OpenAI;

  constructor(readonly opts: OpenAITrainerOptions = {}) {
    this.client = new OpenAI({
      apiKey: openaiApiKey(opts, "the openai trainer"),
      baseURL: opts.baseURL,
      timeout: (opts.timeoutS ?? 120) * 1000,
      maxRetries: 0,
    });
  }

  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetries(fn, {
      maxRetries: this.opts.maxRetries ?? 4,
      baseDelayMs: this.opts.retryBaseMs ?? 1000,
      what: `${what} (${this.opts.baseURL ?? "https://api.openai.com/v1"})`,
    });
  }

  async train(req: TrainRequest): Promise<TrainResult> {
    const started = performance.now();
    const objective = req.objective ?? { kind: "sft" };
    if (objective.kind !== "sft" && objective.kind !== "dpo")
      throw new UserError(
        `openai trainer: objective ${JSON.stringify((objective as { kind: unknown }).kind)} has no remote fine-tuning method`,
      );
    const dpo = objective.kind === "dpo";
    if (dpo) {
      if (!(Number.isFinite(objective.beta) && objective.beta > 0))
        throw new UserError(`openai trainer: objective.beta must be a number > 0, got ${JSON.stringify(objective.beta)}`);
      if (req.examples || req.sequences) throw new UserError("openai trainer: objective dpo trains on pairs, not examples or sequences");
      validatePairs(req.pairs);
    } else if (!req.examples) throw new UserError("openai trainer: remote fine-tuning takes chat examples, not token sequences");
    if (req.initAdapterPath)
      throw new UserError(
        "openai trainer: a remote model cannot continue a local LoRA adapter; use training.mode: full (each fine-tune continues from the previous model id)",
      );
    const jsonl = dpo ? toPreferenceJsonl(req.pairs!) : toChatJsonl(req.examples!);
    const fileSha256 = createHash("sha256").update(jsonl).digest("hex");
    const o = req.optim ?? {};
    const hyperparameters: RemoteHyperparameters = {
      n_epochs: o.epochs ?? "auto",
      batch_size: o.batchSize ?? "auto",
      learning_rate_multiplier: o.lr !== undefined ? o.lr / (this.opts.referenceLr ?? defaultOptim("lora").lr) : "auto",
      ...(dpo ? { beta: objective.beta } : {}),
    };
    const method: OpenAI.FineTuning.JobCreateParams.Method = dpo
      ? { type: "dpo", dpo: { hyperparameters } }
      : { type: "supervised", supervised: { hyperparameters } };
    const key = requestKey({ base: req.baseModelPath, fileSha256, hyperparameters, seed: req.seed, suffix: this.opts.suffix });
    const log = (m: string) => req.onLog?.(m);

    let job = await this.findEarlier(req, key);
    if (job) log(`re-attached to remote fine-tuning job ${job.id} (${job.status})`);
    else {
      const file = await this.call("upload training file", async () =>
        this.client.files.create({ file: await toFile(Buffer.from(jsonl), `society-${key.slice(0, 12)}.jsonl`), purpose: "fine-tune" }),
      );
      job = await this.call("create fine-tuning job", () =>
        this.client.fineTuning.jobs.create({
          model: req.baseModelPath,
          training_file: file.id,
          method,
          seed: req.seed % 2 ** 31,
          ...(this.opts.suffix ? { suffix: this.opts.suffix } : {}),
          metadata: { [METADATA_KEY]: key },
        }),
      );
      log(
        `created remote ${dpo ? "DPO " : ""}fine-tuning job ${job.id} on ${req.baseModelPath} (${dpo ? `${req.pairs!.length} preference pairs, β ${objective.beta}` : `${req.examples!.length} examples`}, file ${file.id})`,
      );
    }
    await this.opts.ledger?.record(req, job.id);
    return this.follow(job, req, started);
  }

  /** A job an earlier attempt started for this very request, unless it failed or was cancelled. */
  private async findEarlier(req: TrainRequest, key: string): Promise<Job | undefined> {
    const recorded = await this.opts.ledger?.find(req);
    if (recorded) {
      const job = await this.call("retrieve fine-tuning job", () => this.client.fineTuning.jobs.retrieve(recorded)).catch(() => undefined);
      if (job && !FAILED.has(job.status) && job.metadata?.[METADATA_KEY] === key) return job;
    }
    // Crashed between creating the job and recording it: the provider's list finds it by its metadata.
    const page = await this.call("list fine-tuning jobs", () =>
      this.client.fineTuning.jobs.list({ limit: 50, metadata: { [METADATA_KEY]: key } }),
    );
    return page.data.find((j) => j.metadata?.[METADATA_KEY] === key && !FAILED.has(j.status));
  }

  private async follow(job: Job, req: TrainRequest, started: number): Promise<TrainResult> {
    const events = new EventReader(this.client, job.id);
    const lossCurve: TrainResult["lossCurve"] = [];
    const warnings: string[] = [];
    const maxPoll = this.opts.pollIntervalMs ?? 5000;
    let poll = Math.min(250, maxPoll);
    const deadline = this.opts.maxWaitS !== undefined ? Date.now() + this.opts.maxWaitS * 1000 : Infinity;
    for (;;) {
      for (const e of await this.call("list fine-tuning events", () => events.next())) {
        const p = progressOf(e);
        if (p) {
          lossCurve.push({
            step: p.step,
            loss: p.loss,
            ...(p.valLoss !== undefined ? { valLoss: p.valLoss } : {}),
            ...(p.metrics ? { metrics: p.metrics } : {}),
            ...(p.valMetrics ? { valMetrics: p.valMetrics } : {}),
          });
          req.onProgress?.(p);
        } else {
          if (e.level !== "info") warnings.push(e.message);
          req.onLog?.(`remote: ${e.message}`);
        }
      }
      if (job.status === "succeeded") break;
      if (FAILED.has(job.status)) {
        throw new Error(`remote fine-tuning job ${job.id} ${job.status}${job.error?.message ? `: ${job.error.message}` : ""}`);
      }
      if (req.signal?.aborted) {
        req.onLog?.(`stopped following remote job ${job.id}; it keeps running and a restarted run re-attaches to it`);
        throw req.signal.reason instanceof Error ? req.signal.reason : Object.assign(new Error("training aborted"), { name: "AbortError" });
      }
      if (Date.now() > deadline)
        throw new Error(
          `remote fine-tuning job ${job.id} still ${job.status} after ${this.opts.maxWaitS} s; it keeps running and a rerun re-attaches to it`,
        );
      await sleep(poll, req.signal);
      poll = Math.min(maxPoll, poll * 1.5);
      const id = job.id;
      job = await this.call("retrieve fine-tuning job", () => this.client.fineTuning.jobs.retrieve(id));
    }
    const model = job.fine_tuned_model;
    if (!model) throw new Error(`remote fine-tuning job ${job.id} succeeded without naming a fine-tuned model`);
    const seconds = (performance.now() - started) / 1000;
    const trainTokens = job.trained_tokens ?? 0;
    const valLosses = lossCurve.map((p) => p.valLoss).filter((v): v is number => v !== undefined);
    const valMetrics = lossCurve
      .map((p) => p.valMetrics)
      .filter((v) => v !== undefined)
      .pop();
    return {
      outPath: model,
      sha256: createHash("sha256").update(model).digest("hex"),
      mode: req.mode,
      kind: "remote",
      lossCurve,
      trainTokens,
      tokensPerSecond: seconds > 0 ? trainTokens / seconds : 0,
      seconds,
      steps: lossCurve[lossCurve.length - 1]?.step ?? 0,
      ...(valLosses.length ? { bestValLoss: Math.min(...valLosses) } : {}),
      ...(valMetrics ? { valMetrics } : {}),
      stoppedEarly: false,
      warnings,
    };
  }
}

export function openaiTrainer(opts: OpenAITrainerOptions = {}): Trainer {
  return new OpenAITrainer(opts);
}
