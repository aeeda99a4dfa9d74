import type { MethodName } from "../config/schema.js";
import { baseMethod, debateMethod, majorityMethod } from "./baselines.js";
import { magdi, magdiNt, magdiNtMr } from "./magdi.js";
import { multiagentFt, multiagentFtNoCritic, multiagentFtNoSummary } from "./multiagent-ft.js";
import { majorityFt, singleAgentAllData, singleAgentFt } from "./single-model.js";
import { malt, maltSftOnly } from "./malt.js";
import { saie, saieAdversarial, saieSft, saieSupportive } from "./saie.js";
import { star } from "./star.js";
import type { Method } from "./types.js";

export const METHODS: Record<MethodName, Method> = {
  "multiagent-ft": multiagentFt,
  "multiagent-ft-no-summary": multiagentFtNoSummary,
  "multiagent-ft-no-critic": multiagentFtNoCritic,
  "single-agent-ft": singleAgentFt,
  "majority-ft": majorityFt,
  "single-agent-all-data": singleAgentAllData,
  star,
  base: baseMethod,
  majority: majorityMethod,
  debate: debateMethod,
  malt,
  "malt-sft-only": maltSftOnly,
  saie,
  "saie-supportive": saieSupportive,
  "saie-adversarial": saieAdversarial,
  "saie-sft": saieSft,
  magdi,
  "magdi-nt": magdiNt,
  "magdi-nt-mr": magdiNtMr,
};
