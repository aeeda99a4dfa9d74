import { Progress } from "../../util/progress.js";
import { rosterAgentIds, runMany, type Protocol, type Seat } from "../../protocols/index.js";
import type { Phase } from "../../store/index.js";
import type { MethodContext, StoredQuestion } from "../types.js";

export interface ProtocolRun {
  protocol: Protocol;
  /** Store key of the units (a method name, or a key shared by methods whose units are identical). */
  method: string;
  iteration: number;
  phase: Phase;
  questions: readonly StoredQuestion[];
  seats: readonly Seat[];
  /** Names the protocol and unit of work in every seed, e.g. "malt/train/it0" (not the method: methods compare on equal noise). */
  seedScope: string;
  label: string;
}

/**
 * Runs a protocol over questions with the run's backend, sampling and concurrency; every turn is stored
 * as it completes and read back on resume (the turn engine), so calling it again after a crash continues.
 */
export async function runProtocol(ctx: MethodContext, r: ProtocolRun): Promise<void> {
  const agentIds = await rosterAgentIds(ctx.store, ctx.runId, r.method, r.seats);
  const d = ctx.config.debate;
  const progress = new Progress({ total: r.questions.length, label: r.label });
  await runMany(
    r.protocol,
    r.questions.map((q) => ({ question: q, storeQuestionId: q.rowId })),
    r.seats,
    {
      backend: ctx.backend,
      store: ctx.store,
      task: ctx.task,
      agentIds,
      scope: { runId: ctx.runId, method: r.method, iteration: r.iteration, phase: r.phase },
      sampling: { temperature: d.temperature, topP: d.top_p, maxTokens: d.max_tokens },
      runSeed: ctx.seed,
      seedScope: r.seedScope,
    },
    {
      concurrency: d.concurrency,
      signal: ctx.signal,
      onOutcome: (out) => {
        const fresh = out.turns.filter((t) => t.fresh);
        progress.update({ correct: out.correct, fresh: fresh.length > 0, freshTokens: fresh.reduce((s, t) => s + t.completionTokens, 0) });
      },
    },
  );
}
