/** Agent `scorer`'s log-probability of a response written by agent `author` (tokens = its length). */
export interface PairScore {
  scorer: number;
  author: number;
  responseId: string;
  logprob: number;
  tokens: number;
}

/**
 * Cross-agent NLL: the mean per-token negative log-likelihood of agent j's responses under agent i, i ≠ j.
 * Agents that have specialised find each other's responses less likely (higher NLL).
 */
export function crossAgentNll(scores: readonly PairScore[]): number {
  const cross = scores.filter((s) => s.scorer !== s.author && s.tokens > 0);
  if (cross.length === 0) return NaN;
  return cross.reduce((sum, s) => sum + -s.logprob / s.tokens, 0) / cross.length;
}

/**
 * Monte-Carlo estimate of the mean pairwise KL(p_j ‖ p_i) per token, from responses y sampled from agent j:
 * E_y[log p_j(y) − log p_i(y)] / |y|. Needs each response scored by its author too.
 */
export function klEstimate(scores: readonly PairScore[]): number {
  const self = new Map<string, number>();
  for (const s of scores) if (s.scorer === s.author) self.set(s.responseId, s.logprob);
  const terms: number[] = [];
  for (const s of scores) {
    if (s.scorer === s.author || s.tokens === 0) continue;
    const own = self.get(s.responseId);
    if (own === undefined) continue;
    terms.push((own - s.logprob) / s.tokens);
  }
  return terms.length ? terms.reduce((a, b) => a + b, 0) / terms.length : NaN;
}

/** One response scored twice: by the agent that wrote it and by a reference model (the frozen base). */
export interface RefScore {
  own: number;
  ref: number;
  tokens: number;
}

/**
 * Monte-Carlo estimate of KL(p_agent ‖ p_ref) per token, from responses the agent sampled:
 * E_y[log p_agent(y) − log p_ref(y)] / |y|. How far finetuning moved the agent from the base.
 */
export function klToReference(scores: readonly RefScore[]): number {
  const terms = scores.filter((s) => s.tokens > 0).map((s) => (s.own - s.ref) / s.tokens);
  return terms.length ? terms.reduce((a, b) => a + b, 0) / terms.length : NaN;
}
