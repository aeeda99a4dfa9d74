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
export async function evaluateSociety(
  ctx: MethodContext,
  method: string,
  iteration: number,
  seats: EvalSeats,
  unitKey?: string,
  headline?: Headline,
): Promise<SocietySummary> {
  return once(ctx, `${method}/it${iteration}/eval`, async () => {
    const debateKey = unitKey ?? (iteration === 0 && isRunProtocol(ctx, seats) ? "base" : method);
    await ctx.debates.run({
      method: debateKey,
      iteration,
      phase: "test",
      questions: ctx.test,
      ...seats,
      label: `${method} eval it${iteration}`,
    });
    const debates = await loadTranscripts(ctx, debateKey, iteration, "test");
    const summary = summarizeDebates(ctx, debates);
    // Sampled by the debate's key: methods sharing the base debate get the same questions, hence equal values.
    // With one round there are no critic turns: their seats do not speak and are not scored.
    const likelihood = await likelihoodDiversity(
      ctx,
      debates,
      { generators: seats.generators, critics: seats.rounds > 1 ? seats.critics : [] },
      iteration,
      debateKey,
    );
    const embedding = await embeddingDiversity(ctx, debates);
    const head = headline ? { ...summary, ...headline(summary) } : summary;
    await ctx.store.metrics.put([
      ...evalMetrics(ctx, method, iteration, head, { ...likelihood.run, ...embedding }),
      ...Object.entries(likelihood.agents)
        .filter(([, v]) => Number.isFinite(v))
        .map(([agent, value]) => ({ runId: ctx.runId, method, iteration, name: DIVERSITY.klToBase, scope: `agent:${agent}`, value })),
    ]);
    const dissim = embedding[DIVERSITY.embeddingDissimilarity];
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    // The figure logged is the one stored (and reported) as the method's accuracy; a baseline's headline is not the final vote, so that is named too.
    ctx.log(
      `${method} iteration ${iteration}: accuracy ${pct(head.accuracy)} ± ${(100 * head.stderr).toFixed(1)} (` +
        (headline ? `final vote ${pct(summary.accuracy)}, ` : "") +
        `round-1 ${pct(summary.round1Accuracy)}, round-1 vote ${pct(summary.round1MajorityAccuracy)}, consensus ${summary.consensus.toFixed(3)}${dissim === undefined ? "" : `, embedding dissimilarity ${dissim.toFixed(3)}`})`,
    );
    return summary;
  });
}

/** A method whose accuracy is another reading of the debate than its final vote (the `base` and `majority` baselines). */
export type Headline = (s: SocietySummary) => { accuracy: number; stderr: number };

/** The headline `pick` reads off the summary, with the standard error of a proportion over its questions. */
export function proportionHeadline(pick: (s: SocietySummary) => number): Headline {
  return (s) => {
    const value = pick(s);
    return { accuracy: value, stderr: Math.sqrt((value * (1 - value)) / Math.max(1, s.questions)) };
  };
}

/** Whether a debate uses the run's configured rounds and summaries (so its base debate can be shared). */
export function isRunProtocol(ctx: MethodContext, s: { rounds: number; summarize: boolean; generators: unknown[] }): boolean {
  return s.rounds === ctx.config.rounds && s.summarize === ctx.config.debate.summarize && s.generators.length === ctx.config.agents;
}
