import type { AgentModel } from "../../backends/types.js";
import { DIVERSITY } from "../../metrics/names.js";
import type { MethodContext } from "../types.js";
import { evalMetrics, summarizeDebates, type SocietySummary } from "./evaluate.js";
import { embeddingDiversity, likelihoodDiversity } from "./diversity.js";
import { once } from "./once.js";
import { loadTranscripts } from "./transcripts.js";

export interface EvalSeats {
  generators: AgentModel[];
  critics: AgentModel[];
  rounds: number;
  summarize: boolean;
}

/**
 * Evaluates a method's agents after iteration l on the test split: a debate (generators speak in round 1,
 * critics after), graded against gold, plus diversity. Iteration 0 is the untrained society, so methods
 * debating with the run's own protocol share one stored base debate (same questions, seeds, models);
 * `unitKey` stores the debates under another shared key (methods whose agents are identical there).
 */
export async function evaluateSociety(ctx: MethodContext, method: string, iteration: number, seats: EvalSeats, unitKey?: string): Promise<SocietySummary> {
  return once(ctx, `${method}/it${iteration}/eval`, async () => {
    const debateKey = unitKey ?? (iteration === 0 && isRunProtocol(ctx, seats) ? "base" : method);
    await ctx.debates.run({ method: debateKey, iteration, phase: "test", questions: ctx.test, ...seats, label: `${method} eval it${iteration}` });
    const debates = await loadTranscripts(ctx, debateKey, iteration, "test");
    const summary = summarizeDebates(ctx, debates);
    // Sampled by the debate's key: methods sharing the base debate get the same questions, hence equal values.
    const likelihood = await likelihoodDiversity(ctx, debates, seats.generators, iteration, debateKey);
    const embedding = await embeddingDiversity(ctx, debates);
    await ctx.store.metrics.put(evalMetrics(ctx, method, iteration, summary, { ...likelihood, ...embedding }));
    const dissim = embedding[DIVERSITY.embeddingDissimilarity];
    ctx.log(`${method} iteration ${iteration}: accuracy ${(100 * summary.accuracy).toFixed(1)}% ± ${(100 * summary.stderr).toFixed(1)} (round-1 ${(100 * summary.round1Accuracy).toFixed(1)}%, consensus ${summary.consensus.toFixed(3)}${dissim === undefined ? "" : `, embedding dissimilarity ${dissim.toFixed(3)}`})`);
    return summary;
  });
}

/** Whether a debate uses the run's configured rounds and summaries (so its base debate can be shared). */
export function isRunProtocol(ctx: MethodContext, s: { rounds: number; summarize: boolean; generators: unknown[] }): boolean {
  return s.rounds === ctx.config.rounds && s.summarize === ctx.config.debate.summarize && s.generators.length === ctx.config.agents;
}
