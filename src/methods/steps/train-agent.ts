import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Agent, Dataset, ModelVersion } from "../../store/index.js";
import { deriveSeed } from "../../util/rng.js";
import type { MethodContext } from "../types.js";
import { versionAt } from "./society.js";

/**
 * Trains one agent on its dataset for iteration l and registers the result as the agent's version l.
 * Continues from the agent's previous adapter/weights unless the config says to restart from the base.
 * The version row and the job's success are written in one transaction; a crash before that leaves a
 * "running" job that the next attempt supersedes, and a half-written file never replaces a good one
 * (the trainer writes to a temp name and renames).
 */
export async function trainAgent(ctx: MethodContext, agent: Agent, iteration: number, dataset: Dataset): Promise<ModelVersion> {
  const stored = await ctx.store.modelVersions.latest(agent.id, iteration);
  if (stored && stored.iteration === iteration) return stored;
  const prev = await versionAt(ctx, agent, iteration - 1);
  const t = ctx.config.training;
  const name = `${agent.role}${agent.agentIndex}`;

  if (dataset.rowCount === 0) {
    // Nothing passed the filter: the agent keeps its weights, recorded so the report can say so.
    ctx.log(`${agent.method} ${name}: empty dataset at iteration ${iteration}; keeping its previous weights`);
    return ctx.store.modelVersions.insert({ agentId: agent.id, iteration, kind: prev.kind, path: prev.path, remoteId: prev.remoteId, sha256: prev.sha256, parentId: prev.id, meta: { skipped: "empty dataset" } });
  }

  const continueFrom = t.continue_from_previous && prev.kind !== "base" ? prev : undefined;
  const dir = join(ctx.runDir, "models", agent.method);
  mkdirSync(dir, { recursive: true });
  const outPath = join(dir, `${name}-it${iteration}.gguf`);
  const seed = deriveSeed(ctx.seed, "train", agent.method, name, iteration);
  const job = await ctx.store.trainingJobs.create({
    runId: ctx.runId, agentId: agent.id, iteration, trainer: t.trainer, datasetId: dataset.id, status: "running",
    config: { mode: t.mode, lora: t.lora, optim: t.optim, seed, continueFrom: continueFrom?.id ?? null },
  });
  const rows = await ctx.store.datasets.rows(dataset.id);
  try {
    let last = 0;
    const remote = t.trainer === "openai";
    const result = await ctx.trainer.train({
      // Remote: continue from the previous fine-tuned model id; local full: from its GGUF; LoRA: from its adapter.
      baseModelPath: remote ? continueFrom?.remoteId ?? ctx.base.base : t.mode === "full" && continueFrom ? continueFrom.path! : ctx.base.base,
      initAdapterPath: !remote && t.mode === "lora" && continueFrom?.kind === "lora" ? continueFrom.path! : undefined,
      examples: rows.map((r) => ({ messages: r.messages })),
      mode: t.mode,
      outPath,
      lora: t.lora,
      optim: { lr: t.optim.lr, epochs: t.optim.epochs, batchSize: t.optim.batch_size, gradAccum: t.optim.grad_accum, weightDecay: t.optim.weight_decay, warmupSteps: t.optim.warmup_steps, schedule: t.optim.schedule, maxSteps: t.optim.max_steps },
      valFraction: t.val_fraction,
      earlyStopPatience: t.early_stop_patience || undefined,
      contextLength: t.context_length,
      seed,
      threads: t.threads,
      signal: ctx.signal,
      onLog: (line) => ctx.log(`  ${agent.method} ${name} it${iteration}: ${line}`),
      onProgress: (p) => {
        const now = Date.now();
        if (now - last < 2000 && p.step < p.totalSteps) return;
        last = now;
        ctx.log(`  train ${agent.method} ${name} it${iteration}: step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(3)}${p.valLoss !== undefined ? ` val ${p.valLoss.toFixed(3)}` : ""} ${Math.round(p.tokensPerSecond)} tok/s`);
      },
    });
    return await ctx.store.transaction(async () => {
      // A remote fine-tune is a model id on the endpoint that trained it; a local one is a file.
      const where = remote ? { kind: "remote" as const, remoteId: result.outPath } : { kind: t.mode, path: result.outPath };
      const v = await ctx.store.modelVersions.insert({
        agentId: agent.id, iteration, ...where, sha256: result.sha256, parentId: prev.id,
        meta: { rows: dataset.rowCount, steps: result.steps, tokensPerSecond: result.tokensPerSecond, bestValLoss: result.bestValLoss ?? null, stoppedEarly: result.stoppedEarly },
      });
      await ctx.store.trainingJobs.update(job.id, { status: "succeeded", lossCurve: result.lossCurve, outputModelVersionId: v.id });
      return v;
    });
  } catch (e) {
    await ctx.store.trainingJobs.update(job.id, { status: "failed", error: (e as Error).message });
    throw e;
  }
}
