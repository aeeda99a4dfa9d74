import type { BuiltPairs } from "../../datasets/types.js";
import type { Agent, Dataset, ModelVersion } from "../../store/index.js";
import { deriveSeed } from "../../util/seed.js";
import type { MethodContext } from "../types.js";
import { findDataset, savePairs } from "./save-dataset.js";
import { versionAt } from "./society.js";
import { agentName, fit, keepWeights, registerVersion, weightsOf, type Weights } from "./train-agent.js";

export interface DpoStage {
  beta: number;
  lr?: number;
  epochs?: number;
}

/**
 * Two-stage training of one agent for iteration l (MALT's verifier and refiner): SFT on its
 * correct-valued outputs, then DPO on its preference pairs starting from the SFT weights, which are
 * also DPO's frozen reference (TRL's default: the policy DPO starts from). The pairs' reference
 * log-probs are computed once with the trainer and stored with the pair dataset, so a resumed run
 * reuses them; the SFT stage's output is recorded by a unit marker. The DPO output is the agent's
 * version l. With no pairs, the SFT output is; with neither, the agent keeps its weights.
 */
export async function trainSftThenDpo(
  ctx: MethodContext,
  agent: Agent,
  iteration: number,
  sft: Dataset,
  pairs: BuiltPairs,
  dpo: DpoStage,
): Promise<ModelVersion> {
  const stored = await ctx.store.modelVersions.latest(agent.id, iteration);
  if (stored && stored.iteration === iteration) return stored;
  const prev = await versionAt(ctx, agent, iteration - 1);
  const name = agentName(agent);
  const start: Weights =
    ctx.config.training.continue_from_previous && prev.kind !== "base"
      ? prev
      : { kind: "base", path: ctx.base.base, remoteId: null, sha256: null };

  // Stage 1: SFT. Its output is not a version of the agent, so a unit marker (written with the job's success) records it.
  const unit = `${agent.method}/it${iteration}/train/${name}/sft`;
  const marked = await ctx.store.units.get(ctx.runId, unit);
  let policy: Weights;
  if (marked) policy = marked.result as Weights;
  else if (sft.rowCount === 0) {
    ctx.log(`${agent.method} ${name}: no SFT rows at iteration ${iteration}; DPO starts from its previous weights`);
    policy = start;
  } else {
    const { result, jobId } = await fit(ctx, agent, iteration, sft, {
      from: start.kind === "base" ? undefined : start,
      file: `${name}-it${iteration}-sft.gguf`,
      seed: deriveSeed(ctx.seed, "train", agent.method, name, iteration),
    });
    policy = weightsOf(result);
    await ctx.store.transaction(async () => {
      await ctx.store.trainingJobs.update(jobId, { status: "succeeded", lossCurve: result.lossCurve });
      await ctx.store.units.markDone(ctx.runId, unit, policy);
    });
  }

  // Stage 2: the pairs with their reference log-probs under the policy DPO starts from, stored once.
  let data = await findDataset(ctx, agent, iteration, pairs.kind);
  if (!data) {
    const refs =
      pairs.rows.length && ctx.trainer.referenceLogprobs && policy.kind !== "remote"
        ? await ctx.trainer.referenceLogprobs({
            baseModelPath: policy.kind === "full" ? policy.path! : ctx.base.base,
            adapterPath: policy.kind === "lora" ? policy.path! : undefined,
            pairs: pairs.rows.map((r) => ({ prompt: r.prompt, chosen: r.chosen, rejected: r.rejected })),
            chatTemplate: ctx.config.model.chat_template,
            contextLength: ctx.config.training.context_length,
            threads: ctx.config.training.threads,
            signal: ctx.signal,
          })
        : undefined;
    data = await savePairs(ctx, agent, iteration, pairs, refs);
  }
  const stages = { sftRows: sft.rowCount, pairs: data.rowCount };
  if (data.rowCount === 0) {
    ctx.log(`${agent.method} ${name}: no preference pairs at iteration ${iteration}; its SFT weights are its version`);
    return keepWeights(ctx, agent, iteration, policy, prev.id, "no preference pairs", stages);
  }
  const { result, jobId } = await fit(ctx, agent, iteration, data, {
    from: policy.kind === "base" ? undefined : policy,
    file: `${name}-it${iteration}.gguf`,
    seed: deriveSeed(ctx.seed, "train-dpo", agent.method, name, iteration),
    objective: { kind: "dpo", beta: dpo.beta },
    optim: { lr: dpo.lr, epochs: dpo.epochs },
  });
  return registerVersion(ctx, agent, iteration, result, jobId, prev.id, data.rowCount, { ...stages, objective: "dpo", beta: dpo.beta });
}
