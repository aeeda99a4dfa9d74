import type { Argv } from "yargs";
import { wholeNumber } from "./coerce.js";

/** Which of a stored run's methods and iterations a command reads (`export`, `graph export`, `adapter export --run`). */
export interface RunFilterArgs {
  method?: string;
  iteration?: number;
}

/**
 * --method and --iteration, declared once so every command that picks from a stored run takes them alike:
 * the iteration a whole number ≥ 0, refused while parsing (before the store is opened) otherwise.
 */
export function runFilterOptions<T>(y: Argv<T>, describe: { method: string; iteration: string }): Argv<T & RunFilterArgs> {
  return y
    .option("method", { type: "string", describe: describe.method })
    .option("iteration", { type: "string", coerce: wholeNumber("iteration", 0), describe: describe.iteration }) as Argv<T & RunFilterArgs>;
}

/** `<runId>` and the filters: for a command that reads a part of one stored run named on the command line. */
export function storedRunOptions<T>(
  y: Argv<T>,
  describe: { method: string; iteration: string },
): Argv<T & RunFilterArgs & { runId: string }> {
  return runFilterOptions(
    y.positional("runId", { type: "string", demandOption: true, describe: "the run (see `society runs`)" }) as Argv<T & { runId: string }>,
    describe,
  );
}
