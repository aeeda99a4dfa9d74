import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { AgentModel } from "../../backends/types.js";
import type { StudentGraph } from "../../datasets/magdi-data.js";
import type { Agent, Dataset, ModelVersion } from "../../store/index.js";
import type { Objective } from "../../training/types.js";
import { deriveSeed } from "../../util/seed.js";
import type { MethodContext } from "../types.js";

/**
 * Distils into a student: one training job from the student's own base (not the run's base model) with a
 * graph objective (MAGDi's), registered as the student's version `iteration`. The job and the version are
 * written in one transaction; a crash before that leaves a "running" job the next attempt supersedes. The
 * dataset is what the job is filed under (the correct nodes, for export); the graphs are what it trains on.
 */
export async function trainStudent(
  ctx: MethodContext,
  agent: Agent,
  iteration: number,
  dataset: Dataset,
  o: { student: AgentModel; graphs: StudentGraph[]; objective: Objective },
): Promise<ModelVersion> {
  const stored = await ctx.store.modelVersions.latest(agent.id, iteration);
  if (stored && stored.iteration === iteration) return stored;
  const prev = await ctx.store.modelVersions.latest(agent.id, iteration - 1);
  if (!prev) throw new Error(`student ${agent.method} has no version before iteration ${iteration}`);
  const t = ctx.config.training;
  const dir = join(ctx.runDir, "models", agent.method);
  mkdirSync(dir, { recursive: true });
  const outPath = join(dir, `student-it${iteration}.gguf`);
  const seed = deriveSeed(ctx.seed, "train", agent.method, "student", iteration);
  const optim = {
    lr: t.optim.lr,
    epochs: t.optim.epochs,
    batchSize: t.optim.batch_size,
    gradAccum: t.optim.grad_accum,
    weightDecay: t.optim.weight_decay,
    warmupSteps: t.optim.warmup_steps,
    schedule: t.optim.schedule,
    maxSteps: t.optim.max_steps,
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
      optim: t.optim,
      seed,
      continueFrom: null,
      base: o.student.base,
      objective: o.objective,
      graphs: o.graphs.length,
    },
  });
  try {
    let last = 0;
    const result = await ctx.trainer.train({
      baseModelPath: o.student.base,
      objective: o.objective,
      graphs: o.graphs,
      mode: t.mode,
      outPath,
      lora: t.lora,
      optim,
      valFraction: t.val_fraction,
      earlyStopPatience: t.early_stop_patience || undefined,
      contextLength: t.context_length,
      seed,
      threads: t.threads,
      signal: ctx.signal,
      onLog: (line) => ctx.log(`  ${agent.method} student it${iteration}: ${line}`),
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
          `  train ${agent.method} student it${iteration}: step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(3)}${p.valLoss !== undefined ? ` val ${p.valLoss.toFixed(3)}` : ""}${m} ${Math.round(p.tokensPerSecond)} tok/s`,
        );
      },
    });
    return await ctx.store.transaction(async () => {
      const v = await ctx.store.modelVersions.insert({
        agentId: agent.id,
        iteration,
        kind: t.mode,
        path: result.outPath,
        sha256: result.sha256,
        parentId: prev.id,
        meta: {
          base: o.student.base,
          graphs: o.graphs.length,
          steps: result.steps,
          tokensPerSecond: result.tokensPerSecond,
          bestValLoss: result.bestValLoss ?? null,
          valMetrics: result.valMetrics ?? null,
          seconds: result.seconds,
        },
      });
      await ctx.store.trainingJobs.update(job.id, { status: "succeeded", lossCurve: result.lossCurve, outputModelVersionId: v.id });
      return v;
    });
  } catch (e) {
    await ctx.store.trainingJobs.update(job.id, { status: "failed", error: (e as Error).message });
    throw e;
  }
}
