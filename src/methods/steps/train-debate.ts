import type { DebateTranscript } from "../../datasets/types.js";
import type { DebateRequest } from "../debate-port.js";
import type { MethodContext } from "../types.js";
import { once } from "./once.js";
import { loadTranscripts } from "./transcripts.js";

/**
 * An iteration's first step: the agents of iteration l−1 (`seats`) debate the train split, once per run; returns
 * the finished transcripts the filters build the agents' data from. `shared`: the debate is the untrained
 * society's, stored once under "base" for every method that debates with the run's protocol.
 */
export async function trainDebate(
  ctx: MethodContext,
  method: string,
  l: number,
  seats: Pick<DebateRequest, "generators" | "critics" | "rounds" | "summarize">,
  o: { shared: boolean; label: string },
): Promise<DebateTranscript[]> {
  const key = o.shared ? "base" : method;
  await once(ctx, `${method}/it${l}/train-debate`, () =>
    ctx.debates.run({ method: key, iteration: l - 1, phase: "train", questions: ctx.train, ...seats, label: o.label }),
  );
  return (await loadTranscripts(ctx, key, l - 1, "train")).map((d) => d.transcript);
}
