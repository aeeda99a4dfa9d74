import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Agent, Dataset, DatasetRow, ModelVersion } from "../../store/index.js";
import { trainOptionsFrom } from "../../training/from-config.js";
import type { Objective, PreferencePair, TrainGraph, TrainRequest, TrainResult } from "../../training/types.js";
import { deriveSeed } from "../../util/seed.js";
import type { MethodContext } from "../types.js";
import { versionAt } from "./society.js";

/** Weights training can start from: a stored version, or an intermediate stage's output (same fields). */
export type Weights = Pick<ModelVersion, "kind" | "path" | "remoteId" | "sha256"> & { id?: string };

/**
 * Trains one agent on its dataset for iteration l and registers the result as the agent's version l.
 * Continues from the agent's previous adapter/weights unless the config says to restart from the base,
 * or from `o.from` when given.
 * The version row and the job's success are written in one transaction; a crash before that leaves a
 * "running" job that the next attempt supersedes, and a half-written file never replaces a good one
 * (the trainer writes to a temp name and renames).
 */
export async function trainAgent(
  ctx: MethodContext,
  agent: Agent,
  iteration: number,
  dataset: Dataset,
  o: { from?: Weights } = {},
): Promise<ModelVersion> {
  const stored = await ctx.store.modelVersions.latest(agent.id, iteration);
  if (stored && stored.iteration === iteration) return stored;
  const prev = await versionAt(ctx, agent, iteration - 1);

  if (dataset.rowCount === 0) {
    // Nothing passed the filter: the agent keeps its weights, recorded so the report can say so.
    ctx.log(
      `${agent.method} ${agentName(agent)}: empty dataset at iteration ${iteration}; keeping its ${o.from ? "starting" : "previous"} weights`,
    );
    return keepWeights(ctx, agent, iteration, o.from ?? prev, prev.id, "empty dataset");
  }
  // `o.from`: weights another stage produced (SAIE's warm-up), instead of the agent's own previous version.
  const from = o.from
    ? o.from.kind === "base"
      ? undefined
      : o.from
    : ctx.config.training.continue_from_previous && prev.kind !== "base"
      ? prev
      : undefined;
  const { result, jobId } = await fit(ctx, agent, iteration, dataset, {
    from,
    file: `${agentName(agent)}-it${iteration}.gguf`,
    seed: deriveSeed(ctx.seed, "train", agent.method, agentName(agent), iteration),
  });
  return registerVersion(ctx, agent, iteration, result, jobId, prev.id, dataset.rowCount);
}

export const agentName = (agent: Agent) => `${agent.role}${agent.agentIndex}`;

export interface FitOptions {
  /** Start from these weights (absent: the base model, with a fresh adapter in LoRA mode). */
  from?: Weights;
  /** File name under runs/<run-id>/models/<method>/. */
  file: string;
  seed: number;
  /** Default sft; `dpo` trains on the dataset's preference pairs. */
  objective?: Objective;
  /** Optimizer settings that differ from the run's (e.g. DPO's learning rate). */
  optim?: { lr?: number; epochs?: number };
  /**
   * A student (MAGDi): trains from its own base model, not the run's, on interaction graphs instead of the
   * dataset's rows (the dataset is then what the job is filed under); logged as "student".
   */
  student?: { base: string; graphs: TrainGraph[] };
}

/**
 * One training job: the request built from the run's training config, a job row marked running, the
 * trainer's result; on failure the job is marked failed and the error propagates. The caller records
 * the outcome (a version, or an intermediate stage) and marks the job succeeded.
 */
export async function fit(
  ctx: MethodContext,
  agent: Agent,
  iteration: number,
  dataset: Dataset,
  o: FitOptions,
): Promise<{ result: TrainResult; jobId: string }> {
  const t = ctx.config.training;
  const name = o.student ? "student" : agentName(agent);
  const dir = join(ctx.runDir, "models", agent.method);
  mkdirSync(dir, { recursive: true });
  const outPath = join(dir, o.file);
  const objective = o.objective ?? { kind: "sft" as const };
  const optim = {
    ...t.optim,
    ...(o.optim?.lr !== undefined ? { lr: o.optim.lr } : {}),
    ...(o.optim?.epochs !== undefined ? { epochs: o.optim.epochs } : {}),
  };
  const job = await ctx.store.trainingJobs.create({
    runId: ctx.runId,
    agentId: agent.id,
    iteration,
    trainer: t.trainer,
    datasetId: dataset.id,
    status: "running",
    config: {
      mode: t.mode,
      lora: t.lora,
      optim,
      seed: o.seed,
      continueFrom: o.from?.id ?? null,
      ...(objective.kind === "sft" ? {} : { objective }),
      ...(o.student ? { base: o.student.base, graphs: o.student.graphs.length } : {}),
    },
  });
  const data = await trainingData(ctx, dataset, objective, o.student?.graphs);
  try {
    let last = 0;
    const from = o.from;
    const result = await ctx.trainer.train({
      // Continue from the weights the trainer produced last time, by their kind: a remote fine-tuned model id,
      // a complete GGUF, or a LoRA adapter over the base.
      baseModelPath: from?.kind === "remote" ? from.remoteId! : from?.kind === "full" ? from.path! : (o.student?.base ?? ctx.base.base),
      initAdapterPath: from?.kind === "lora" ? from.path! : undefined,
      ...(objective.kind === "sft" ? {} : { objective }),
      ...data,
      chatTemplate: ctx.config.model.chat_template,
      ...trainOptionsFrom({ ...t, optim }),
      outPath,
      seed: o.seed,
      signal: ctx.signal,
      onLog: (line) => ctx.log(`  ${agent.method} ${name} it${iteration}: ${line}`),
      onProgress: (p) => {
        const now = Date.now();
        if (now - last < 2000 && p.step < p.totalSteps) return;
        last = now;
        const m = p.metrics
          ? ` (${Object.entries(p.metrics)
              .map(([k, v]) => `${k} ${v.toFixed(3)}`)
              .join(", ")})`
          : "";
        ctx.log(
          `  train ${agent.method} ${name} it${iteration}${objective.kind === "sft" ? "" : ` (${objective.kind})`}: step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(3)}${p.valLoss !== undefined ? ` val ${p.valLoss.toFixed(3)}` : ""}${m} ${Math.round(p.tokensPerSecond)} tok/s`,
        );
      },
    });
    return { result, jobId: job.id };
  } catch (e) {
    await ctx.store.trainingJobs.update(job.id, { status: "failed", error: (e as Error).message });
    throw e;
  }
}

/** What the job trains on: graphs when given, else the dataset's rows as chat examples (sft) or preference pairs. */
async function trainingData(
  ctx: MethodContext,
  dataset: Dataset,
  objective: Objective,
  graphs: TrainGraph[] | undefined,
): Promise<Pick<TrainRequest, "examples" | "pairs" | "graphs">> {
  if (graphs) return { graphs };
  const rows = await ctx.store.datasets.rows(dataset.id);
  return objective.kind === "sft" ? { examples: rows.map((r) => ({ messages: r.messages })) } : { pairs: rows.map(toPair) };
}

/** A stored preference row as the trainer's pair (reference log-probs included when stored). */
export function toPair(r: DatasetRow): PreferencePair {
  if (!r.chosen || !r.rejected) throw new Error(`dataset ${r.datasetId} row ${r.rowIndex} is not a preference pair`);
  return {
    prompt: r.messages,
    chosen: r.chosen,
    rejected: r.rejected,
    ...(r.refChosenLogp !== null && r.refRejectedLogp !== null
      ? { refChosenLogp: r.refChosenLogp, refRejectedLogp: r.refRejectedLogp }
      : {}),
  };
}

/** What a finished job produced, as stored weights: a remote model id, or a local file (the trainer says which). */
export function weightsOf(result: TrainResult): Weights {
  // A result a worker of an older version stored in the queue has no kind: the queue trains local files only.
  const kind = (result.kind as TrainResult["kind"] | undefined) ?? result.mode;
  return kind === "remote"
    ? { kind: "remote", path: null, remoteId: result.outPath, sha256: result.sha256 }
    : { kind, path: result.outPath, remoteId: null, sha256: result.sha256 };
}

/** Registers a job's output as the agent's version at `iteration` and marks the job succeeded, in one transaction. */
export async function registerVersion(
  ctx: MethodContext,
  agent: Agent,
  iteration: number,
  result: TrainResult,
  jobId: string,
  parentId: string,
  rows: number,
  meta: Record<string, unknown> = {},
): Promise<ModelVersion> {
  return ctx.store.transaction(async () => {
    const v = await insertVersion(ctx, agent, iteration, weightsOf(result), parentId, {
      rows,
      steps: result.steps,
      tokensPerSecond: result.tokensPerSecond,
      bestValLoss: result.bestValLoss ?? null,
      stoppedEarly: result.stoppedEarly,
      ...meta,
    });
    await ctx.store.trainingJobs.update(jobId, { status: "succeeded", lossCurve: result.lossCurve, outputModelVersionId: v.id });
    return v;
  });
}

/** Records `w` as the agent's version at `iteration` without training (nothing to learn from). */
export async function keepWeights(
  ctx: MethodContext,
  agent: Agent,
  iteration: number,
  w: Weights,
  parentId: string,
  why: string,
  meta: Record<string, unknown> = {},
): Promise<ModelVersion> {
  return insertVersion(ctx, agent, iteration, w, parentId, { skipped: why, ...meta });
}

/** `w` as the agent's version at `iteration`, descended from `parentId`. */
function insertVersion(
  ctx: MethodContext,
  agent: Agent,
  iteration: number,
  w: Weights,
  parentId: string,
  meta: Record<string, unknown>,
): Promise<ModelVersion> {
  return ctx.store.modelVersions.insert({
    agentId: agent.id,
    iteration,
    kind: w.kind,
    path: w.path,
    remoteId: w.remoteId,
    sha256: w.sha256,
    parentId,
    meta,
  });
}
