import type { AgentModel } from "../../backends/types.js";
import { DIVERSITY } from "../../metrics/names.js";
import { embeddingDissimilarity } from "../../metrics/embedding.js";
import { crossAgentNll, klEstimate, type PairScore } from "../../metrics/likelihood.js";
import { Rng } from "../../util/rng.js";
import { deriveSeed } from "../../util/seed.js";
import type { MethodContext } from "../types.js";
import type { StoredDebate } from "./transcripts.js";

/**
 * Cross-agent NLL and the KL estimate (paper §4.3): take `nll_samples` test questions, each generator's
 * round-1 response, and score every response under every generator's model (its author included, for KL).
 * Returns {} when sampling is off or there is only one distinct agent.
 */
export async function likelihoodDiversity(
  ctx: MethodContext,
  debates: readonly StoredDebate[],
  generators: readonly AgentModel[],
  iteration: number,
  debateKey: string,
): Promise<Record<string, number>> {
  const k = ctx.config.metrics.nll_samples;
  if (k === 0 || generators.length < 2 || debates.length === 0) return {};
  const picked = new Rng(deriveSeed(ctx.seed, "nll", debateKey, iteration)).sample(debates, k);
  const scores: PairScore[] = [];
  for (const d of picked) {
    for (const chain of d.transcript.chains) {
      const turn = chain.turns.find((t) => t.round === 1);
      if (!turn || !turn.completion.trim()) continue;
      for (let scorer = 0; scorer < generators.length; scorer++) {
        const s = await ctx.backend.score(generators[scorer]!, turn.prompt, turn.completion);
        scores.push({ scorer, author: chain.agent, responseId: turn.turnId, logprob: s.logprob, tokens: s.tokens });
      }
    }
  }
  return { [DIVERSITY.crossAgentNll]: crossAgentNll(scores), [DIVERSITY.klEstimate]: klEstimate(scores) };
}

/**
 * Response embedding dissimilarity: per test question, the mean cosine distance between the embeddings
 * of the generators' round-1 responses (the independent answers, before any agent has read another),
 * averaged over questions. Returns {} without a configured embedding model or with one generator.
 */
export async function embeddingDiversity(ctx: MethodContext, debates: readonly StoredDebate[]): Promise<Record<string, number>> {
  if (!ctx.embedder || debates.length === 0) return {};
  const cache = new Map<string, number[]>();
  const embed = async (text: string): Promise<number[]> => {
    let v = cache.get(text);
    if (!v) cache.set(text, (v = await ctx.embedder!.embed(text)));
    return v;
  };
  const perQuestion: number[][][] = [];
  for (const d of debates) {
    const texts = d.transcript.chains
      .map((c) => c.turns.find((t) => t.round === 1)?.completion)
      .filter((t): t is string => t !== undefined);
    if (texts.length < 2) continue;
    const vecs: number[][] = [];
    for (const t of texts) vecs.push(await embed(t));
    perQuestion.push(vecs);
  }
  if (perQuestion.length === 0) return {};
  return { [DIVERSITY.embeddingDissimilarity]: embeddingDissimilarity(perQuestion) };
}
