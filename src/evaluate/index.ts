/** Evaluation methods (single | majority | debate) as library calls; `society eval` is a thin shell. */
export { evalSchema, EVAL_METHODS, SPEED_ONLY, type EvalConfig, type EvalConfigInput, type EvalMethod } from "./config.js";
export { runEval, type EvalDeps, type EvalResult } from "./run.js";
export { evalRunId, methodPlan, type ResolvedEval, type MethodPlan } from "./resolve.js";
export { summarize, type EvalSummary } from "../metrics/eval-summary.js";
export { Progress, fmt } from "../util/progress.js";
