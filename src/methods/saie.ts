import type { AgentModel } from "../backends/types.js";
import { UserError } from "../errors.js";
import { saieSettings, type MethodName, type SaieConfig } from "../config/schema.js";
import { goldSolutionData, saieDiscussionData } from "../datasets/saie-data.js";
import type { BuiltDataset } from "../datasets/types.js";
import { debateSeries, SAIE } from "../metrics/names.js";
import type { Seat } from "../protocols/index.js";
import { generatorChat } from "../protocols/debate/prompts.js";
import { saieProtocol } from "../protocols/saie/discussion.js";
import type { ModelVersion } from "../store/index.js";
import { loadDiscussions } from "./steps/discussions.js";
import { evaluateSociety } from "./steps/evaluate-step.js";
import { once } from "./steps/once.js";
import { runProtocol } from "./steps/run-protocol.js";
import { saveDataset } from "./steps/save-dataset.js";
import { copies, ensureRoleAgents, modelsAt, toAgentModel } from "./steps/society.js";
import { trainAgent, type Weights } from "./steps/train-agent.js";
import type { Method, MethodContext, StoredQuestion } from "./types.js";

/** The untrained learner's evaluation alone is identical for every SAIE method: stored once under this key. */
const SHARED = "saie-base";
/** The warm-up learner (iteration 1's first phase) is the same for every discussion method: trained once, as this method's learner. */
const WARMUP = "saie-warmup";

/**
 * SAIE (Loem, Kaneko, Okazaki, arXiv 2311.08107): a learner trained through discussions with a frozen
 * partner (default: the base model). For iteration l = 1..L:
 *   1. (l = 1) warm-up: SFT on the worked gold solutions of the first `warmup_questions` train questions;
 *   2. discussion: the current learner (the warm-up model at l = 1) discusses every train question with
 *      the partner for `rounds` rounds, each remark supportive or adversarial (share `supportive_share`;
 *      saie-supportive: all supportive, saie-adversarial: all adversarial);
 *   3. the learner trains on its discussions (datasets/saie-data.ts), continuing from the warm-up weights
 *      (l = 1) or its previous version;
 *   4. evaluate the learner alone (one answer per test question) and in a debate of N copies of it.
 * Iteration 0 is the untrained learner (the baseline), evaluated both ways. `saie-sft` is the paper's
 * standard fine-tuning baseline on the same questions: SFT on their gold solutions each iteration.
 * The protocol and the choices the paper leaves open: src/protocols/saie/README.md.
 */
export function saieMethod(name: MethodName, share: (s: SaieConfig) => number): Method {
  return {
    name,
    async run(ctx: MethodContext) {
      const s = saieSettings(ctx.config);
      const [learner] = await ensureRoleAgents(ctx, name, ["learner"]);
      const partner: AgentModel = s.partner ? { base: s.partner } : ctx.base;
      const trainQs = s.train_questions ? ctx.train.slice(0, s.train_questions) : ctx.train;
      const gold = s.reference === "gold";
      const protocol = saieProtocol({
        rounds: s.rounds,
        supportiveShare: share(s),
        reference: s.reference,
        referenceVotes: s.reference_votes,
      });

      await evaluateLearner(ctx, name, 0, (await modelsAt(ctx, [learner!], 0))[0]!);
      // Warm-up (gold only: without gold there are no solutions to warm up on).
      const warm = gold ? await warmup(ctx, s) : undefined;
      for (let l = 1; l <= ctx.config.iterations; l++) {
        // Discussions with the learner of iteration l − 1 (at l = 1: the warm-up model); training starts from
        // the warm-up weights at l = 1 (and every iteration when the config restarts), else continues.
        const current = l === 1 && warm ? toAgentModel(ctx, warm) : (await modelsAt(ctx, [learner!], l - 1))[0]!;
        const restart = l === 1 || !ctx.config.training.continue_from_previous;
        const seats: Seat[] = [
          { role: "learner", index: 0, model: current },
          { role: "partner", index: 0, model: partner },
        ];
        await once(ctx, `${name}/it${l}/discussions`, () =>
          runProtocol(ctx, {
            protocol,
            method: name,
            iteration: l,
            phase: "train",
            questions: trainQs,
            seats,
            seedScope: `saie/train/it${l}`,
            label: `${name} discussions it${l}`,
          }),
        );
        const built = saieDiscussionData(await loadDiscussions(ctx, name, l, "train", { gold }), gold ? "gold" : "own");
        await putStats(ctx, name, l, built);
        const data = await saveDataset(ctx, learner!, l, built);
        await trainAgent(ctx, learner!, l, data, restart ? { from: warm ?? baseWeights(ctx) } : {});
        await evaluateLearner(ctx, name, l, (await modelsAt(ctx, [learner!], l))[0]!);
      }
    },
  };
}

/** Standard fine-tuning (the paper's main comparison): SFT on the gold solutions of the same train questions, each iteration. */
export const saieSft: Method = {
  name: "saie-sft",
  async run(ctx) {
    const s = saieSettings(ctx.config);
    if (s.reference !== "gold")
      throw new UserError(
        `saie-sft trains on gold solutions: it needs saie.reference "gold" (the config says "${s.reference}"); drop saie-sft from methods or use gold`,
      );
    const [learner] = await ensureRoleAgents(ctx, "saie-sft", ["learner"]);
    const trainQs = s.train_questions ? ctx.train.slice(0, s.train_questions) : ctx.train;
    await evaluateLearner(ctx, "saie-sft", 0, (await modelsAt(ctx, [learner!], 0))[0]!);
    for (let l = 1; l <= ctx.config.iterations; l++) {
      const data = await saveDataset(ctx, learner!, l, goldData(ctx, trainQs, "gold"));
      await trainAgent(ctx, learner!, l, data);
      await evaluateLearner(ctx, "saie-sft", l, (await modelsAt(ctx, [learner!], l))[0]!);
    }
  },
};

/** The warm-up learner's weights: SFT on the first `warmup_questions` gold solutions, trained once per run. */
async function warmup(ctx: MethodContext, s: SaieConfig): Promise<ModelVersion | undefined> {
  const n = s.warmup_questions ?? Math.ceil(ctx.train.length / 4);
  if (n === 0) return undefined;
  const [agent] = await ensureRoleAgents(ctx, WARMUP, ["learner"]);
  const data = await saveDataset(ctx, agent!, 1, goldData(ctx, ctx.train.slice(0, n), "warmup"));
  return trainAgent(ctx, agent!, 1, data);
}

function goldData(ctx: MethodContext, qs: readonly StoredQuestion[], kind: "warmup" | "gold"): BuiltDataset {
  const folder = ctx.task.prompts ?? ctx.task.name;
  return goldSolutionData(
    qs.map((q) => ({
      questionId: q.id,
      prompt: generatorChat({ task: folder, vars: ctx.task.promptVars(q) }),
      solution: ctx.task.goldSolution(q),
    })),
    kind,
  );
}

const baseWeights = (ctx: MethodContext): Weights => ({ kind: "base", path: ctx.base.base, remoteId: null, sha256: null });

/** The learner alone (one answer per test question) and in a debate of N copies of it (the run's rounds). */
async function evaluateLearner(ctx: MethodContext, method: string, l: number, m: AgentModel): Promise<void> {
  await evaluateSociety(ctx, method, l, { generators: [m], critics: [m], rounds: 1, summarize: false }, l === 0 ? SHARED : undefined);
  const n = ctx.config.agents;
  await evaluateSociety(ctx, debateSeries(method), l, {
    generators: copies(m, n),
    critics: copies(m, n),
    rounds: ctx.config.rounds,
    summarize: ctx.config.debate.summarize,
  });
}

async function putStats(ctx: MethodContext, method: string, l: number, d: BuiltDataset): Promise<void> {
  const i = d.info as Record<string, number>;
  const values: Record<string, number> = {
    [SAIE.rows]: d.rows.length,
    [SAIE.supportive]: i.supportive!,
    [SAIE.adversarial]: i.adversarial!,
    [SAIE.partnerOnClaim]: i.partnerOnClaim!,
    [SAIE.learnerFinalOnReference]: i.learnerFinalOnReference!,
  };
  await ctx.store.metrics.put(
    Object.entries(values).map(([k, value]) => ({ runId: ctx.runId, method, iteration: l, name: k, scope: "run", value })),
  );
  ctx.log(
    `${method} it${l} discussions: ${i.discussions} (${i.supportive} supportive, ${i.adversarial} adversarial remarks; partner on its claim ${(100 * i.partnerOnClaim!).toFixed(0)}%, ` +
      `learner ends on the reference ${(100 * i.learnerFinalOnReference!).toFixed(0)}%), ${d.rows.length} training rows`,
  );
}

export const saie = saieMethod("saie", (s) => s.supportive_share);
export const saieSupportive = saieMethod("saie-supportive", () => 1);
export const saieAdversarial = saieMethod("saie-adversarial", () => 0);
