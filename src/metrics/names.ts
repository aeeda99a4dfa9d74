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
  /** Mean round-1 accuracy (scope "run"), or one agent's (scope "agent:<index>"). */
  round1Accuracy: "round1_accuracy",
  /** maj@N over the round-1 answers, ties split evenly. */
  round1Majority: "round1_majority_accuracy",
  /** 1/0 per test question (scope "question:<task id>"): the final answer is right. Paired comparisons read it. */
  correct: "correct",
  /** Share of a training set's rows whose ŷ is right against gold (diagnosis only): label_precision/G, /C-, /C+, /single. */
  labelPrecision: "label_precision",
} as const;

/** Diversity metrics, charted per iteration. */
export const DIVERSITY = {
  consensus: "consensus",
  crossAgentNll: "cross_agent_nll",
  klEstimate: "kl_estimate",
  embeddingDissimilarity: "embedding_dissimilarity",
  /** §4.2: each critic, held out in turn, scores the other critics' final-round responses (mean per-token NLL). */
  likelihoodDiversity: "likelihood_diversity",
  /** Mean over agents of KL(agent ‖ frozen base) per token, on each agent's own responses. */
  klToBase: "kl_to_base",
} as const;

export const DIVERSITY_NAMES: readonly string[] = Object.values(DIVERSITY);

/**
 * MALT's search-tree statistics at iteration l (the trees its agents of iteration l−1 grew on the train
 * split, which iteration l trains on): questions, leaves, the share of leaves whose answer is right, and
 * per role the SFT rows (correct-valued nodes) and DPO pairs (correct vs incorrect siblings).
 */
export const TREE = {
  questions: "tree_questions",
  leaves: "tree_leaves",
  correctLeafShare: "tree_correct_leaf_share",
  sft: (role: string) => `tree_sft_${role}`,
  pairs: (role: string) => `tree_pairs_${role}`,
} as const;

export const isTreeMetric = (name: string): boolean => name.startsWith("tree_");

/**
 * SAIE's discussion statistics at iteration l (the discussions iteration l trained on): remarks of each
 * kind, the share of remarks whose answer is the claim the partner was asked to back or argue for, the
 * share of discussions whose learner ended on the reference answer, and the learner's training rows.
 */
export const SAIE = {
  supportive: "saie_supportive",
  adversarial: "saie_adversarial",
  partnerOnClaim: "saie_partner_on_claim",
  learnerFinalOnReference: "saie_learner_final_on_reference",
  rows: "saie_rows",
} as const;

export const isSaieMetric = (name: string): boolean => name.startsWith("saie_");

/** Where a method's learner in multi-agent inference (a debate of its copies) is stored: `<method>+debate`. */
export const debateSeries = (method: string) => `${method}+debate`;

/** What a phase's generation cost (scope `phase:train` / `phase:test`, per debate key and iteration; methods/debate-adapter.ts). */
export const GENERATION = {
  wallSeconds: "gen_wall_seconds",
  cpuSeconds: "gen_cpu_seconds",
  /** Questions with at least one turn generated (not read back) by the timed calls. */
  questions: "gen_questions",
  turns: "gen_turns",
  completionTokens: "gen_completion_tokens",
} as const;

/** MAGDi's efficiency and self-consistency figures (scope "run", per method and iteration). */
export const MAGDI_METRIC = {
  /** Vote over the student's k samples per question. */
  scAccuracy: "sc_accuracy",
  scStderr: "sc_accuracy_stderr",
  scK: "sc_k",
  /** Completion tokens per test question: one sample (student) or the whole debate (teachers, every turn). */
  tokensPerQuestion: "tokens_per_question",
  /** Teachers only: completion tokens per test question of one agent's round-1 answer, and of all N round-1 answers (the single and majority baselines' cost). */
  singleTokensPerQuestion: "single_tokens_per_question",
  majorityTokensPerQuestion: "majority_tokens_per_question",
  /** Wall and CPU seconds per test question of the generating phase. */
  secondsPerQuestion: "seconds_per_question",
  cpuSecondsPerQuestion: "cpu_seconds_per_question",
} as const;
