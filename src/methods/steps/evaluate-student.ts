import type { AgentModel } from "../../backends/types.js";
import { GENERATION, MAGDI_METRIC, METRIC } from "../../metrics/names.js";
import type { NewMetric, Phase } from "../../store/index.js";
import type { MethodContext } from "../types.js";
import { summarizeDebates } from "./evaluate.js";
import { once } from "./once.js";
import { copies } from "./society.js";
import { loadTranscripts, type StoredDebate } from "./transcripts.js";

/** What one evaluation cost per test question, from its stored turns and the generation cost the debate port stored. */
export async function costPerQuestion(
  ctx: MethodContext,
  debates: readonly StoredDebate[],
  key: { method: string; iteration: number; phase: Phase },
) {
  const sum = (keep: (t: StoredDebate["turns"][number]) => boolean) =>
    debates.reduce((a, d) => a + d.turns.reduce((s, t) => s + (keep(t) ? t.completionTokens : 0), 0), 0);
  const completion = sum(() => true);
  const round1 = sum((t) => t.round === 1);
  const agents = debates.length ? debates.reduce((a, d) => a + d.turns.filter((t) => t.round === 1).length, 0) / debates.length : NaN;
  const gen = new Map(
    (await ctx.store.metrics.list({ runId: ctx.runId, method: key.method, iteration: key.iteration, scope: `phase:${key.phase}` })).map(
      (m) => [m.name, m.value],
    ),
  );
  const q = gen.get(GENERATION.questions);
  return {
    tokens: debates.length ? completion / debates.length : NaN,
    /** Round 1 only: all agents' answers (a vote of N), and one agent's (a single sample). */
    round1Tokens: debates.length ? round1 / debates.length : NaN,
    singleTokens: debates.length && agents ? round1 / debates.length / agents : NaN,
    wall: q ? gen.get(GENERATION.wallSeconds)! / q : NaN,
    cpu: q ? gen.get(GENERATION.cpuSeconds)! / q : NaN,
  };
}

/**
 * The student alone on the test split: k samples per question (one round, no debate). Its accuracy is a single
 * sample's (the mean over the k, as the paper reports a sampled answer), `sc_accuracy` the vote over the k
 * (self-consistency, seeded tie-break); tokens and seconds per question are one sample's (k × for the vote).
 * Stored under `key` (methods sharing an untrained student share its samples).
 */
export async function evaluateStudent(
  ctx: MethodContext,
  method: string,
  iteration: number,
  model: AgentModel,
  k: number,
  key = method,
): Promise<void> {
  await once(ctx, `${method}/it${iteration}/eval`, async () => {
    const seats = copies(model, k);
    await ctx.debates.run({
      method: key,
      iteration,
      phase: "test",
      questions: ctx.test,
      generators: seats,
      critics: seats,
      rounds: 1,
      summarize: false,
      label: `${method} student eval it${iteration}`,
    });
    const debates = await loadTranscripts(ctx, key, iteration, "test");
    const s = summarizeDebates(ctx, debates);
    const cost = await costPerQuestion(ctx, debates, { method: key, iteration, phase: "test" });
    const n = Math.max(1, s.questions);
    const m = (name: string, value: number): NewMetric => ({ runId: ctx.runId, method, iteration, name, scope: "run", value });
    const single = s.round1Accuracy;
    const rows = [
      m(METRIC.accuracy, single),
      m(METRIC.accuracyStderr, Math.sqrt((single * (1 - single)) / n)),
      m(MAGDI_METRIC.scAccuracy, s.accuracy),
      m(MAGDI_METRIC.scStderr, Math.sqrt((s.accuracy * (1 - s.accuracy)) / n)),
      m(MAGDI_METRIC.scK, k),
      m(METRIC.questions, s.questions),
      m(METRIC.unparsed, s.unparsed),
      m(MAGDI_METRIC.tokensPerQuestion, cost.tokens / k),
      ...(Number.isFinite(cost.wall)
        ? [m(MAGDI_METRIC.secondsPerQuestion, cost.wall / k), m(MAGDI_METRIC.cpuSecondsPerQuestion, cost.cpu / k)]
        : []),
    ];
    await ctx.store.metrics.put(rows.filter((r) => Number.isFinite(r.value)));
    ctx.log(
      `${method} iteration ${iteration}: student accuracy ${(100 * single).toFixed(1)}% (one sample), ${(100 * s.accuracy).toFixed(1)}% (vote of ${k}); ${(cost.tokens / k).toFixed(1)} tokens per answer`,
    );
    return { accuracy: single, sc: s.accuracy };
  });
}
