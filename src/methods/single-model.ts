import type { MethodName } from "../config/schema.js";
import { criticPools, mixCriticData } from "../datasets/critic-data.js";
import { generatorData } from "../datasets/generator-data.js";
import { concatDatasets, pooledData } from "../datasets/pooled-data.js";
import type { BuiltDataset, DebateTranscript } from "../datasets/types.js";
import { deriveSeed } from "../util/seed.js";
import { plurality } from "./steps/evaluate.js";
import { evaluateSociety, proportionHeadline, type Headline } from "./steps/evaluate-step.js";
import { saveDataset } from "./steps/save-dataset.js";
import { recordLabelPrecision } from "./steps/label-precision.js";
import { ensureAgents, seatsAt } from "./steps/society.js";
import { trainAgent } from "./steps/train-agent.js";
import { trainDebate } from "./steps/train-debate.js";
import type { Method, MethodContext } from "./types.js";

/**
 * Baselines that finetune ONE model, iterated like the society:
 *   single-agent-ft (paper §2.2): N copies of the model debate the train split (M rounds, the society's
 *     protocol); ŷ = the final-round vote; the model learns from every response of that debate whose
 *     answer is ŷ (round-1 answers and critic turns, each with the context it was given). Evaluated by the
 *     same debate, so it differs from multiagent FT only in training one model on all the data.
 *   majority-ft (paper's baseline): N plain samples (one round, no debate); ŷ = their vote; the model
 *     learns its samples whose answer is ŷ; evaluated by the majority vote over N plain samples.
 *   single-agent-all-data: the union of the data every society agent would get (D^G_n and D^C_n).
 */
function singleModelMethod(
  name: MethodName,
  build: (ctx: MethodContext, t: DebateTranscript[], l: number) => BuiltDataset,
  rounds: (ctx: MethodContext) => number,
  /** Where ŷ comes from: the debate's final vote (default), or e.g. the vote over round 1. */
  labelled: (t: DebateTranscript[]) => DebateTranscript[] = (t) => t,
  /** How it is evaluated when not by the debate's final vote (majority FT: the vote over N plain samples). */
  headline?: Headline,
): Method {
  return {
    name,
    async run(ctx) {
      const agents = await ensureAgents(ctx, name, "single");
      const single = agents.generators[0]!;
      // Evaluated with the method's own protocol: majority FT by the vote over N plain samples (one round).
      const evalSeats = async (l: number) => ({ ...(await seatsAt(ctx, agents, l)), rounds: rounds(ctx) });
      // Iteration 0 is the base model: with a headline it is read off the shared base debate, whose round 1 is
      // exactly N plain samples (so majority FT starts where the `majority` baseline stands).
      await evaluateSociety(ctx, name, 0, headline ? await seatsAt(ctx, agents, 0) : await evalSeats(0), undefined, headline);
      for (let l = 1; l <= ctx.config.iterations; l++) {
        // At l = 1 the model is the base, so its samples are the shared base debate's turns (round 1
        // of it is exactly N independent samples); later iterations sample with their own model.
        const shared = l === 1;
        const seats = shared ? await seatsAt(ctx, agents, 0) : await evalSeats(l - 1);
        const label = `${name} ${seats.rounds > 1 ? "debate" : "samples"} it${l}`;
        const transcripts = labelled(await trainDebate(ctx, name, l, seats, { shared, label }));
        const built = build(ctx, transcripts, l);
        await recordLabelPrecision(ctx, name, l, transcripts, { [built.kind]: built.rows });
        const data = await saveDataset(ctx, single, l, built);
        await trainAgent(ctx, single, l, data);
        await evaluateSociety(ctx, name, l, await evalSeats(l), undefined, headline);
      }
    },
  };
}

/** Round-1 samples only, with ŷ recomputed as the vote over them (majority FT's label). */
export function ownMajority(transcripts: readonly DebateTranscript[]): DebateTranscript[] {
  return transcripts.map((d) => {
    const chains = d.chains.map((c) => ({ ...c, turns: c.turns.filter((t) => t.round === 1) }));
    return { ...d, chains, consensus: plurality(chains.map((c) => c.turns[0]?.answer ?? null)) };
  });
}

const minVotes = (ctx: MethodContext) => ({ minVotes: ctx.config.datasets.min_votes });

export const singleAgentFt = singleModelMethod(
  "single-agent-ft",
  (ctx, t) => pooledData(t, "all", "single", minVotes(ctx)),
  (ctx) => ctx.config.rounds,
);

export const majorityFt = singleModelMethod(
  "majority-ft",
  (ctx, t) => pooledData(t, "first", "single", minVotes(ctx)),
  () => 1,
  ownMajority,
  proportionHeadline((s) => s.round1MajorityAccuracy),
);

export const singleAgentAllData = singleModelMethod(
  "single-agent-all-data",
  (ctx, t, l) => {
    const parts: BuiltDataset[] = [];
    for (let i = 0; i < ctx.config.agents; i++) {
      parts.push(generatorData(t, i, minVotes(ctx)));
      parts.push(
        mixCriticData(criticPools(t, i, minVotes(ctx)), i, {
          w: ctx.config.datasets.w,
          seed: deriveSeed(ctx.seed, "mix", "all-data", i, l),
        }),
      );
    }
    return concatDatasets(parts);
  },
  (ctx) => ctx.config.rounds,
);
