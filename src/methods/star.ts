import { starData, type StarQuestion } from "../datasets/star-data.js";
import { evaluateSociety } from "./steps/evaluate-step.js";
import { once } from "./steps/once.js";
import { saveDataset } from "./steps/save-dataset.js";
import { ensureAgents, modelsAt, seatsAt } from "./steps/society.js";
import { trainAgent } from "./steps/train-agent.js";
import { loadTranscripts } from "./steps/transcripts.js";
import type { Method } from "./types.js";

/**
 * STaR (Zelikman et al., 2022) as the paper's ground-truth baseline: one model answers each train
 * question; right answers (graded against gold) are kept; for wrong ones it answers again with the gold
 * answer as a hint, and a hinted answer that reaches gold is kept under the plain prompt. Iterated, and
 * evaluated like every method (N copies debating on the test split).
 */
export const star: Method = {
  name: "star",
  async run(ctx) {
    const agents = await ensureAgents(ctx, "star", "single");
    const model = agents.generators[0]!;
    await evaluateSociety(ctx, "star", 0, await seatsAt(ctx, agents, 0));
    for (let l = 1; l <= ctx.config.iterations; l++) {
      const [m] = await modelsAt(ctx, [model], l - 1);
      const one = { generators: [m!], critics: [m!], rounds: 1, summarize: false };
      await once(ctx, `star/it${l}/attempts`, () =>
        ctx.debates.run({ method: "star", iteration: l - 1, phase: "train", questions: ctx.train, ...one, label: `star attempts it${l}` }),
      );
      const attempts = await loadTranscripts(ctx, "star", l - 1, "train");
      const gold = new Map(ctx.train.map((q) => [q.rowId, q]));
      const failed = attempts.filter(
        (d) => !ctx.task.grade(d.transcript.chains[0]?.turns[0]?.answer ?? null, gold.get(d.questionRowId)!.gold),
      );
      const failedQs = failed.map((d) => gold.get(d.questionRowId)!);
      await once(ctx, `star/it${l}/rationalizations`, () =>
        ctx.debates.run({
          method: "star-hint",
          iteration: l - 1,
          phase: "train",
          questions: failedQs,
          ...one,
          generatorRole: "star-hint",
          vars: "gold",
          label: `star hints it${l}`,
        }),
      );
      const hints = new Map(
        (await loadTranscripts(ctx, "star-hint", l - 1, "train")).map((d) => [d.questionRowId, d.transcript.chains[0]?.turns[0]]),
      );
      const questions: StarQuestion[] = attempts.map((d) => {
        const first = d.transcript.chains[0]?.turns[0];
        return {
          questionId: d.transcript.questionId,
          gold: gold.get(d.questionRowId)!.gold,
          attempts: first ? [first] : [],
          rationalization: hints.get(d.questionRowId),
          plainPrompt: first?.prompt ?? [],
        };
      });
      const data = await saveDataset(
        ctx,
        model,
        l,
        starData(questions, (p, g) => ctx.task.grade(p, g)),
      );
      await trainAgent(ctx, model, l, data);
      await evaluateSociety(ctx, "star", l, await seatsAt(ctx, agents, l));
    }
  },
};
