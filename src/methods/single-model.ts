import type { MethodName } from "../config/schema.js";
import { criticPools, mixCriticData } from "../datasets/critic-data.js";
import { generatorData } from "../datasets/generator-data.js";
import { concatDatasets, pooledData } from "../datasets/pooled-data.js";
import type { BuiltDataset, DebateTranscript } from "../datasets/types.js";
import { deriveSeed } from "../util/seed.js";
import { plurality } from "./steps/evaluate.js";
import { evaluateSociety } from "./steps/evaluate-step.js";
import { saveDataset } from "./steps/save-dataset.js";
import { ensureAgents, seatsAt } from "./steps/society.js";
import { trainAgent } from "./steps/train-agent.js";
import { trainDebate } from "./steps/train-debate.js";
import type { Method, MethodContext } from "./types.js";

/**
 * Baselines that finetune ONE model, iterated like the society and evaluated the same way (N copies of
 * the model debating), so their accuracy curves compare with multiagent FT on equal terms:
 *   single-agent-ft:        its own k = N round-1 samples that match its own majority vote;
 *   majority-ft:            every agent's answers (all rounds) that match the debate's ŷ;
 *   single-agent-all-data:  the union of the data every society agent would get (D^G_n and D^C_n).
 */
function singleModelMethod(
  name: MethodName,
  build: (ctx: MethodContext, t: DebateTranscript[], l: number) => BuiltDataset,
  rounds: (ctx: MethodContext) => number,
): Method {
  return {
    name,
    async run(ctx) {
      const agents = await ensureAgents(ctx, name, "single");
      const single = agents.generators[0]!;
      await evaluateSociety(ctx, name, 0, await seatsAt(ctx, agents, 0));
      for (let l = 1; l <= ctx.config.iterations; l++) {
        // At l = 1 the model is the base, so its samples are the shared base debate's turns (round 1
        // of it is exactly N independent samples); later iterations sample with their own model.
        const shared = l === 1;
        const seats = shared ? await seatsAt(ctx, agents, 0) : { ...(await seatsAt(ctx, agents, l - 1)), rounds: rounds(ctx) };
        const transcripts = await trainDebate(ctx, name, l, seats, { shared, label: `${name} samples it${l}` });
        const data = await saveDataset(ctx, single, l, build(ctx, transcripts, l));
        await trainAgent(ctx, single, l, data);
        await evaluateSociety(ctx, name, l, await seatsAt(ctx, agents, l));
      }
    },
  };
}

/** Round-1 samples only, with ŷ recomputed as the model's own majority over them. */
export function ownMajority(transcripts: readonly DebateTranscript[]): DebateTranscript[] {
  return transcripts.map((d) => {
    const chains = d.chains.map((c) => ({ ...c, turns: c.turns.filter((t) => t.round === 1) }));
    return { ...d, chains, consensus: plurality(chains.map((c) => c.turns[0]?.answer ?? null)) };
  });
}

export const singleAgentFt = singleModelMethod(
  "single-agent-ft",
  (_ctx, t) => pooledData(ownMajority(t), "first", "single"),
  () => 1,
);

export const majorityFt = singleModelMethod(
  "majority-ft",
  (_ctx, t) => pooledData(t, "all"),
  (ctx) => ctx.config.rounds,
);

export const singleAgentAllData = singleModelMethod(
  "single-agent-all-data",
  (ctx, t, l) => {
    const parts: BuiltDataset[] = [];
    for (let i = 0; i < ctx.config.agents; i++) {
      parts.push(generatorData(t, i));
      parts.push(mixCriticData(criticPools(t, i), i, { w: ctx.config.datasets.w, seed: deriveSeed(ctx.seed, "mix", "all-data", i, l) }));
    }
    return concatDatasets(parts);
  },
  (ctx) => ctx.config.rounds,
);
