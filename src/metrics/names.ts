/**
 * Metric names as stored (scope "run" unless noted). One place, so the loop that writes them and the
 * report that reads them cannot drift apart.
 */
export const METRIC = {
  /** Test accuracy of the method's own evaluation protocol (debate final vote, or single agent). */
  accuracy: "accuracy",
  accuracyStderr: "accuracy_stderr",
  unparsed: "unparsed",
  questions: "questions",
  tokens: "tokens",
  seconds: "seconds",
} as const;

/** Diversity metrics, charted per iteration. */
export const DIVERSITY = {
  consensus: "consensus",
  crossAgentNll: "cross_agent_nll",
  klEstimate: "kl_estimate",
  embeddingDissimilarity: "embedding_dissimilarity",
} as const;

export const DIVERSITY_NAMES: readonly string[] = Object.values(DIVERSITY);
