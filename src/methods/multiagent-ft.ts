import { criticPools, mixCriticData } from "../datasets/critic-data.js";
import { generatorData } from "../datasets/generator-data.js";
import type { MethodName } from "../config/schema.js";
import type { DatasetRow } from "../datasets/types.js";
import { deriveSeed } from "../util/seed.js";
import { evaluateSociety, isRunProtocol } from "./steps/evaluate-step.js";
import { inParallel } from "./steps/in-parallel.js";
import { saveDataset } from "./steps/save-dataset.js";
import { recordLabelPrecision } from "./steps/label-precision.js";
import { ensureAgents, seatsAt } from "./steps/society.js";
import { trainAgent } from "./steps/train-agent.js";
import { trainDebate } from "./steps/train-debate.js";
import type { Method, MethodContext } from "./types.js";

export interface SocietyOptions {
  /** Critics see a summary of the other agents' answers (else the raw answers). Default: the config's. */
  summarize?: boolean;
  /** false: the ablation "without critics": generators only, also speaking in rounds ≥ 2. */
  critics?: boolean;
}

/**
 * Multiagent finetuning (Subramaniam et al., 2025, Algorithm 1). For each iteration l = 1..L:
 *   1. the society (generators at round 1, critics after) debates the train split; ŷ = final-round vote;
 *   2. generator n gets D^G_n: its own round-1 answers equal to ŷ;
 *   3. critic n gets D^C_n = w·C−_n + (1−w)·C+_n from its own chains;
 *   4. each agent is finetuned on its own set (LoRA over the shared base by default);
 *   5. the new society debates the test split: accuracy, consensus, cross-agent NLL and KL.
 */
export function societyMethod(name: MethodName, opts: SocietyOptions = {}): Method {
  return {
    name,
    async run(ctx: MethodContext) {
      const summarize = opts.summarize ?? ctx.config.debate.summarize;
      const withCritics = opts.critics ?? true;
      const rounds = ctx.config.rounds;
      const agents = await ensureAgents(ctx, name, "society");
      const critics = withCritics ? agents.critics : agents.generators;
      const society = { generators: agents.generators, critics };
      const at = async (l: number) => ({ ...(await seatsAt(ctx, society, l)), rounds, summarize });

      await evaluateSociety(ctx, name, 0, await at(0));
      for (let l = 1; l <= ctx.config.iterations; l++) {
        // 1. Debate on the train split with the agents of iteration l−1 (the untrained debate is shared).
        const seats = await at(l - 1);
        const transcripts = await trainDebate(ctx, name, l, seats, {
          shared: l === 1 && isRunProtocol(ctx, seats),
          label: `${name} debate it${l}`,
        });

        // 2–4. Each agent's own data, then its finetuning (the agents' jobs are independent: workers run them side by side).
        const label = { minVotes: ctx.config.datasets.min_votes };
        const used: Record<string, DatasetRow[]> = { G: [], "C-": [], "C+": [] };
        const jobs: Array<() => Promise<unknown>> = [];
        for (const g of agents.generators) {
          const built = generatorData(transcripts, g.agentIndex, label);
          used.G!.push(...built.rows);
          const data = await saveDataset(ctx, g, l, built);
          jobs.push(() => trainAgent(ctx, g, l, data));
        }
        if (withCritics) {
          for (const c of agents.critics) {
            const pools = criticPools(transcripts, c.agentIndex, label);
            used["C-"]!.push(...pools.minus);
            used["C+"]!.push(...pools.plus);
            await saveDataset(ctx, c, l, { kind: "C-", agent: c.agentIndex, rows: pools.minus, info: {} });
            await saveDataset(ctx, c, l, { kind: "C+", agent: c.agentIndex, rows: pools.plus, info: {} });
            const size =
              ctx.config.datasets.critic_size === "generator" ? generatorData(transcripts, c.agentIndex, label).rows.length : undefined;
            const mixed = mixCriticData(pools, c.agentIndex, {
              w: ctx.config.datasets.w,
              size,
              seed: deriveSeed(ctx.seed, "mix", name, c.agentIndex, l),
            });
            const data = await saveDataset(ctx, c, l, mixed, "mixed");
            jobs.push(() => trainAgent(ctx, c, l, data));
          }
        }
        await inParallel(ctx, jobs);

        await recordLabelPrecision(ctx, name, l, transcripts, used);

        // 5–6. Evaluate the new society.
        await evaluateSociety(ctx, name, l, await at(l));
      }
    },
  };
}

export const multiagentFt = societyMethod("multiagent-ft");
export const multiagentFtNoSummary = societyMethod("multiagent-ft-no-summary", { summarize: false });
export const multiagentFtNoCritic = societyMethod("multiagent-ft-no-critic", { critics: false });
