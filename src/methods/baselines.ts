import type { MethodName } from "../config/schema.js";
import type { SocietySummary } from "./steps/evaluate.js";
import { evaluateSociety, proportionHeadline } from "./steps/evaluate-step.js";
import type { Method } from "./types.js";

/**
 * The untrained baselines, all read off the one shared base debate on the test split (same questions and
 * seeds as every other method): `base` = a single agent (mean round-1 accuracy), `majority` = the vote
 * over the N round-1 samples, `debate` = the final vote after M rounds. They have only iteration 0. With
 * agent_models the society is heterogeneous (MAGDi's teachers) and `base` is the mean over its agents.
 */
function baseline(name: MethodName, pick: (s: SocietySummary) => number): Method {
  // Its accuracy, stored, logged and reported as one figure.
  const headline = proportionHeadline(pick);
  return {
    name,
    async run(ctx) {
      // The untrained society: the base model in every seat, or each agent's own (agent_models).
      const seats = {
        generators: ctx.agentModels,
        critics: ctx.agentModels,
        rounds: ctx.config.rounds,
        summarize: ctx.config.debate.summarize,
      };
      await evaluateSociety(ctx, name, 0, seats, undefined, headline);
    },
  };
}

export const baseMethod = baseline("base", (s) => s.round1Accuracy);
export const majorityMethod = baseline("majority", (s) => s.round1MajorityAccuracy);
export const debateMethod = baseline("debate", (s) => s.accuracy);
