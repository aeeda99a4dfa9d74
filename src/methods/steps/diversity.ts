import { modelKey, type AgentModel, type Score } from "../../backends/types.js";
import { DIVERSITY } from "../../metrics/names.js";
import { embeddingDissimilarity } from "../../metrics/embedding.js";
import { crossAgentNll, klEstimate, klToReference, type PairScore, type RefScore } from "../../metrics/likelihood.js";
import { Rng } from "../../util/rng.js";
import { deriveSeed } from "../../util/seed.js";
import type { FilterTurn } from "../../datasets/types.js";
import type { MethodContext } from "../types.js";
import type { StoredDebate } from "./transcripts.js";

/**
 * Likelihood diversity on `nll_samples` test questions (the same questions for every method sharing a
 * debate key):
 *   cross_agent_nll, kl_estimate (§4.3): each generator's round-1 response scored under every generator;
 *   likelihood_diversity (§4.2): each critic, held out in turn, scores the other critics' final-round
 *     responses: the mean per-token NLL (higher = the critics write less like each other);
 *   kl_to_base: each agent's own responses (generators' round 1, critics' final round) scored by the
 *     agent and by the frozen base: how far finetuning moved it (per agent under scope agent:<role><n>,
 *     and the mean over agents).
 * Returns {} when sampling is off or there is only one distinct agent.
 */
export async function likelihoodDiversity(
  ctx: MethodContext,
  debates: readonly StoredDebate[],
  seats: { generators: readonly AgentModel[]; critics: readonly AgentModel[] },
  iteration: number,
  debateKey: string,
): Promise<LikelihoodFigures> {
  const k = ctx.config.metrics.nll_samples;
  const { generators, critics } = seats;
  if (k === 0 || generators.length < 2 || debates.length === 0) return { run: {}, agents: {} };
  const picked = new Rng(deriveSeed(ctx.seed, "nll", debateKey, iteration)).sample(debates, k);
  const scores: PairScore[] = [],
    criticScores: PairScore[] = [];
  const toBase = new Map<string, RefScore[]>();
  // A response scored by the same model twice scores the same: seats filled with copies of one model
  // (the untrained society, single-model methods) and the base as reference are scored once each.
  const memo = new Map<string, Score>();
  const score = async (m: AgentModel, t: Pick<FilterTurn, "turnId" | "prompt" | "completion">): Promise<Score> => {
    const key = `${modelKey(m)}\0${t.turnId}`;
    const hit = memo.get(key);
    if (hit) return hit;
    const s = await ctx.backend.score(m, t.prompt, t.completion);
    memo.set(key, s);
    return s;
  };
  const base = ctx.base;
  const sameAsBase = (m: AgentModel) => modelKey(m) === modelKey(base);
  const addRef = (agent: string, own: Score, ref: Score) => {
    const l = toBase.get(agent) ?? [];
    l.push({ own: own.logprob, ref: ref.logprob, tokens: own.tokens });
    toBase.set(agent, l);
  };
  for (const d of picked) {
    const finals = d.transcript.chains.map((c) => [...c.turns].sort((a, b) => b.round - a.round)[0]).filter((t) => t && t.round > 1);
    for (const chain of d.transcript.chains) {
      const turn = chain.turns.find((t) => t.round === 1);
      if (turn && turn.completion.trim()) {
        const own: Score[] = [];
        for (let scorer = 0; scorer < generators.length; scorer++) {
          const s = await score(generators[scorer]!, turn);
          own[scorer] = s;
          scores.push({ scorer, author: chain.agent, responseId: turn.turnId, logprob: s.logprob, tokens: s.tokens });
        }
        const g = generators[chain.agent];
        if (g && !sameAsBase(g)) addRef(`generator${chain.agent}`, own[chain.agent]!, await score(base, turn));
      }
      const last = finals.find((t) => chain.turns.includes(t!));
      if (!last || !last.completion.trim() || critics.length < 2) continue;
      for (let scorer = 0; scorer < critics.length; scorer++) {
        const s = await score(critics[scorer]!, last);
        criticScores.push({ scorer, author: chain.agent, responseId: last.turnId, logprob: s.logprob, tokens: s.tokens });
        if (scorer === chain.agent && !sameAsBase(critics[scorer]!)) addRef(`critic${chain.agent}`, s, await score(base, last!));
      }
    }
  }
  const run: Record<string, number> = { [DIVERSITY.crossAgentNll]: crossAgentNll(scores), [DIVERSITY.klEstimate]: klEstimate(scores) };
  if (criticScores.length) run[DIVERSITY.likelihoodDiversity] = crossAgentNll(criticScores);
  // Untrained agents are the base: KL 0 without scoring.
  const agents: Record<string, number> = {};
  generators.forEach((g, i) => {
    agents[`generator${i}`] = sameAsBase(g) ? 0 : klToReference(toBase.get(`generator${i}`) ?? []);
  });
  if (critics.length && debates.some((d) => d.transcript.chains.some((c) => c.turns.some((t) => t.round > 1)))) {
    critics.forEach((c, i) => {
      agents[`critic${i}`] = sameAsBase(c) ? 0 : klToReference(toBase.get(`critic${i}`) ?? []);
    });
  }
  const kls = Object.values(agents).filter(Number.isFinite);
  if (kls.length) run[DIVERSITY.klToBase] = kls.reduce((a, b) => a + b, 0) / kls.length;
  return { run, agents };
}

export interface LikelihoodFigures {
  /** Run-scope metrics by name. */
  run: Record<string, number>;
  /** kl_to_base per agent, by `generator<n>` / `critic<n>`. */
  agents: Record<string, number>;
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
