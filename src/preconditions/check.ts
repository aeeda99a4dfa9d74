/**
 * Preconditions of a self-improvement lab, measured on one base model before any method is compared
 * (issue 14). A world where they fail cannot show what multiagent finetuning does, whatever it does:
 *
 *   gold gain   LoRA on gold solutions of the train questions, with the loop's training budget (the
 *               run config's `training:`), raises held-out per-sample accuracy by ≥ 8 points and does
 *               not lower greedy accuracy: training on right answers can move this model.
 *   vote gain   maj@N over N samples beats per-sample accuracy by ≥ 8 points and greedy by ≥ 3: the
 *               samples carry information a single (even the most likely) chain does not.
 *   critic gain the untrained N-agent, M-round debate beats maj@N on the same round-1 answers: reading
 *               the other agents pays.
 *
 * Everything is seeded (questions, samples, training), so the same model, config and seed give the same
 * figures. Each gain comes with its paired standard error over questions.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentModel, Backend } from "../backends/types.js";
import type { RunConfig } from "../config/schema.js";
import { generatorChat } from "../protocols/debate/index.js";
import type { SamplingOptions } from "../protocols/index.js";
import { expectedVoteCorrect } from "../metrics/vote.js";
import type { Question, Task } from "../tasks/index.js";
import { trainOptionsFrom } from "../training/from-config.js";
import type { Trainer } from "../training/types.js";
import { deriveSeed } from "../util/seed.js";
import { openPanel, type QuestionAnswers } from "./measure.js";

export const THRESHOLDS = { goldGain: 0.08, voteOverSample: 0.08, voteOverGreedy: 0.03, criticGain: 0 } as const;

export interface CheckInput {
  model: AgentModel;
  backend: Backend;
  trainer: Trainer;
  task: Task;
  /** Gold solutions are trained on these (one row each). */
  train: readonly Question[];
  /** Held out: every figure is measured here. */
  test: readonly Question[];
  /** A right worked solution in the model's own format (the task's goldSolution for most models). */
  goldSolution: (q: Question) => string;
  config: Pick<RunConfig, "agents" | "rounds" | "training"> & {
    model?: Pick<RunConfig["model"], "chat_template">;
    debate: Pick<RunConfig["debate"], "temperature" | "top_p" | "max_tokens" | "concurrency">;
  };
  seed: number;
  promptsDir?: string;
  log?: (line: string) => void;
}

/** A measured difference of two accuracies on the same questions, with its paired standard error. */
export interface Gain {
  value: number;
  stderr: number;
}

export interface CheckFigures {
  seed: number;
  questions: number;
  agents: number;
  rounds: number;
  goldRows: number;
  base: { perSample: number; greedy: number; majority: number; debate: number };
  gold: { perSample: number; greedy: number; steps: number; seconds: number };
  gains: { gold: Gain; goldGreedy: Gain; voteOverSample: Gain; voteOverGreedy: Gain; critic: Gain };
  pass: { gold: boolean; vote: boolean; critic: boolean };
  /** Wall and CPU seconds (user + system, this process) per phase: the cost on a shared machine and on an idle one. */
  timing: Record<string, { wall: number; cpu: number }>;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

/** Paired difference of per-question scores a − b. */
function gain(a: readonly number[], b: readonly number[]): Gain {
  const d = a.map((x, i) => x - b[i]!);
  const m = mean(d);
  const v = d.length > 1 ? d.reduce((s, x) => s + (x - m) ** 2, 0) / (d.length - 1) : 0;
  return { value: m, stderr: Math.sqrt(v / Math.max(1, d.length)) };
}

export async function checkPreconditions(input: CheckInput): Promise<CheckFigures> {
  const log = input.log ?? (() => {});
  const { task, config: c } = input;
  const n = c.agents;
  const sampling: SamplingOptions = { temperature: c.debate.temperature, topP: c.debate.top_p, maxTokens: c.debate.max_tokens };
  const greedy: SamplingOptions = { ...sampling, temperature: 0 };
  const right = (q: Question) => (a: string | null) => a !== null && task.grade(a, q.gold);
  const perQ = {
    sample: (xs: QuestionAnswers[]) => xs.map((x) => mean(x.rounds[0]!.map((a) => (right(x.question)(a) ? 1 : 0)))),
    first: (xs: QuestionAnswers[]) => xs.map((x) => (right(x.question)(x.rounds[0]![0]!) ? 1 : 0)),
    vote: (xs: QuestionAnswers[], round: number) => xs.map((x) => expectedVoteCorrect(x.rounds[round]!, right(x.question))),
  };
  let last = 0;
  const panel = await openPanel({
    backend: input.backend,
    task,
    seed: input.seed,
    concurrency: c.debate.concurrency,
    promptsDir: input.promptsDir,
    progress: (label, done, total) => {
      const now = Date.now();
      if (done === total || now - last > 5000) {
        last = now;
        log(`${label}: ${done}/${total}`);
      }
    },
  });
  const work = mkdtempSync(join(tmpdir(), "society-check-"));
  const timing: CheckFigures["timing"] = {};
  const timed = async <T>(phase: string, fn: () => Promise<T>): Promise<T> => {
    const w0 = performance.now(),
      c0 = process.cpuUsage();
    const r = await fn();
    const cu = process.cpuUsage(c0);
    timing[phase] = { wall: (performance.now() - w0) / 1000, cpu: (cu.user + cu.system) / 1e6 };
    return r;
  };
  try {
    const test = [...input.test];
    const debate = await timed("base debate", () =>
      panel.debate("base debate", input.model, test, { agents: n, rounds: c.rounds, sampling, scope: "check" }),
    );
    const baseGreedy = await timed("base greedy", () =>
      panel.debate("base greedy", input.model, test, { agents: 1, rounds: 1, sampling: greedy, scope: "check-greedy" }),
    );

    const rows = input.train.map((q) => ({
      messages: [
        ...generatorChat({ task: task.prompts ?? task.name, vars: task.promptVars(q), dir: input.promptsDir }),
        { role: "assistant" as const, content: input.goldSolution(q) },
      ],
    }));
    log(`gold: LoRA on ${rows.length} gold solutions with the loop's training budget`);
    const t0 = performance.now();
    const trained = await timed("gold training", () =>
      input.trainer.train({
        baseModelPath: input.model.base,
        examples: rows,
        // Exactly as the loop trains an agent (steps/train-agent.ts): the same template and budget.
        chatTemplate: c.model?.chat_template,
        ...trainOptionsFrom(c.training),
        outPath: join(work, "gold.gguf"),
        seed: deriveSeed(input.seed, "check-gold"),
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const goldModel: AgentModel =
      trained.kind === "lora" ? { base: input.model.base, adapter: trained.outPath } : { base: trained.outPath };
    const goldSamples = await timed("gold samples", () =>
      panel.debate("gold samples", goldModel, test, { agents: n, rounds: 1, sampling, scope: "check" }),
    );
    const goldGreedy = await timed("gold greedy", () =>
      panel.debate("gold greedy", goldModel, test, { agents: 1, rounds: 1, sampling: greedy, scope: "check-greedy" }),
    );
    await (input.backend as { retain?: (keep: AgentModel[]) => Promise<void> }).retain?.([input.model]);

    const s0 = perQ.sample(debate),
      g0 = perQ.first(baseGreedy),
      m0 = perQ.vote(debate, 0),
      d0 = perQ.vote(debate, c.rounds - 1);
    const s1 = perQ.sample(goldSamples),
      g1 = perQ.first(goldGreedy);
    const gains = {
      gold: gain(s1, s0),
      goldGreedy: gain(g1, g0),
      voteOverSample: gain(m0, s0),
      voteOverGreedy: gain(m0, g0),
      critic: gain(d0, m0),
    };
    return {
      seed: input.seed,
      questions: test.length,
      agents: n,
      rounds: c.rounds,
      goldRows: rows.length,
      base: { perSample: mean(s0), greedy: mean(g0), majority: mean(m0), debate: mean(d0) },
      gold: { perSample: mean(s1), greedy: mean(g1), steps: trained.steps, seconds },
      gains,
      timing,
      pass: {
        gold: gains.gold.value >= THRESHOLDS.goldGain && gains.goldGreedy.value >= 0,
        vote: gains.voteOverSample.value >= THRESHOLDS.voteOverSample && gains.voteOverGreedy.value >= THRESHOLDS.voteOverGreedy,
        critic: gains.critic.value > THRESHOLDS.criticGain,
      },
    };
  } finally {
    await panel.close();
    rmSync(work, { recursive: true, force: true });
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const pts = (g: Gain) => `${g.value >= 0 ? "+" : ""}${(100 * g.value).toFixed(1)} ± ${(100 * g.stderr).toFixed(1)} points`;
const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");

/** The figures as the lines `society model check` and `society model tiny` print. */
export function formatChecks(f: CheckFigures): string[] {
  return [
    `preconditions (seed ${f.seed}, ${f.questions} held-out questions, ${f.agents} agents × ${f.rounds} rounds; gains ± paired standard error):`,
    `  gold gain   ${verdict(f.pass.gold)}: LoRA on ${f.goldRows} gold solutions (${f.gold.steps} steps) moves per-sample ${pct(f.base.perSample)} → ${pct(f.gold.perSample)} (${pts(f.gains.gold)}; need ≥ +${100 * THRESHOLDS.goldGain}), greedy ${pct(f.base.greedy)} → ${pct(f.gold.greedy)} (${pts(f.gains.goldGreedy)}; need ≥ 0)`,
    `  vote gain   ${verdict(f.pass.vote)}: maj@${f.agents} ${pct(f.base.majority)} vs per-sample ${pct(f.base.perSample)} (${pts(f.gains.voteOverSample)}; need ≥ +${100 * THRESHOLDS.voteOverSample}) and greedy ${pct(f.base.greedy)} (${pts(f.gains.voteOverGreedy)}; need ≥ +${100 * THRESHOLDS.voteOverGreedy})`,
    `  critic gain ${verdict(f.pass.critic)}: untrained debate ${pct(f.base.debate)} vs maj@${f.agents} ${pct(f.base.majority)} on the same round-1 answers (${pts(f.gains.critic)}; need > 0)`,
  ];
}
