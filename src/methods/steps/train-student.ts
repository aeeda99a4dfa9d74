import type { AgentModel } from "../../backends/types.js";
import type { StudentGraph } from "../../datasets/magdi-data.js";
import type { Agent, Dataset, ModelVersion } from "../../store/index.js";
import type { Objective } from "../../training/types.js";
import { deriveSeed } from "../../util/seed.js";
import type { MethodContext } from "../types.js";
import { fit, registerVersion } from "./train-agent.js";

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
  const { result, jobId } = await fit(ctx, agent, iteration, dataset, {
    file: `student-it${iteration}.gguf`,
    seed: deriveSeed(ctx.seed, "train", agent.method, "student", iteration),
    objective: o.objective,
    student: { base: o.student.base, graphs: o.graphs },
  });
  return registerVersion(ctx, agent, iteration, result, jobId, prev.id, dataset.rowCount, {
    base: o.student.base,
    graphs: o.graphs.length,
    valMetrics: result.valMetrics ?? null,
    seconds: result.seconds,
  });
}
