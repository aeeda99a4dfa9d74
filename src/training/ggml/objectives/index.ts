/**
 * The objectives the ggml trainer knows, by `TrainRequest.objective.kind`. Adding one: a file beside these
 * exporting an ObjectiveRunner (see objective.ts), its config as a member of `Objective` in ../../types.ts,
 * and one line here.
 */
import { UserError } from "../../../errors.js";
import type { Objective } from "../../types.js";
import type { ObjectiveRunner } from "./objective.js";
import { DEFAULT_MAGDI } from "../../defaults.js";
import { dpo } from "./dpo.js";
import { magdi } from "./magdi.js";
import { sft } from "./sft.js";

const OBJECTIVES: { [K in Objective["kind"]]: (o: Extract<Objective, { kind: K }>) => ObjectiveRunner } = {
  sft: () => sft,
  dpo: (o) => dpo(o),
  magdi: (o) => magdi(o, DEFAULT_MAGDI),
};

export function objectiveRunner(o: Objective | undefined): ObjectiveRunner {
  const objective = o ?? { kind: "sft" };
  const make = OBJECTIVES[objective.kind] as ((o: Objective) => ObjectiveRunner) | undefined;
  if (!make)
    throw new UserError(`train: unknown objective ${JSON.stringify(objective.kind)} (known: ${Object.keys(OBJECTIVES).join(", ")})`);
  return make(objective);
}

export type * from "./objective.js";
