import type { Argv } from "yargs";
import { wholeNumber } from "./coerce.js";

/** The flags of the unit queue that `society run --workers` (the coordinator) and `society worker` both take. */
export interface UnitQueueArgs {
  artifacts: string;
  "unit-timeout": number;
  retries: number;
}

/**
 * Declared once so that the coordinator and its workers agree on the defaults (the artifact store above all:
 * both must name the same one). `note` prefixes each description (run: "with --workers: ").
 */
export function unitQueueOptions<T>(y: Argv<T>, note = ""): Argv<T & UnitQueueArgs> {
  return y
    .option("artifacts", {
      type: "string",
      default: "runs/artifacts",
      describe: `${note}where adapters travel between machines: a shared directory or s3://bucket/prefix, the same for the coordinator and its workers`,
    })
    .option("unit-timeout", {
      type: "string",
      default: "21600",
      coerce: wholeNumber("unit-timeout", 1),
      describe: `${note}the longest a unit may run, in seconds; past it the attempt is stopped and retried (a unit whose worker died is retried at once: heartbeats)`,
    })
    .option("retries", {
      type: "string",
      default: "2",
      coerce: wholeNumber("retries", 0),
      describe: `${note}attempts after the first before a unit is dead-lettered`,
    }) as Argv<T & UnitQueueArgs>;
}
