import type { AgentModel, Backend } from "../backends/types.js";
import type { RunConfig } from "../config/schema.js";
import { debateRoster, runDebates } from "../protocols/debate/index.js";
import { rosterAgentIds } from "../protocols/index.js";
import { Progress } from "../util/progress.js";
import type { Store } from "../store/index.js";
import type { Task } from "../tasks/index.js";
import { GENERATION } from "../metrics/names.js";
import type { DebatePort, DebateRequest } from "./debate-port.js";

/** What generating one request's fresh turns cost this process (see addGenerationCost). */
export interface GenerationCost {
  questions: number;
  turns: number;
  tokens: number;
  wall: number;
  cpu: number;
}

export interface DebatePortOptions {
  store: Store;
  backend: Backend;
  task: Task;
  runId: string;
  config: RunConfig;
  seed: number;
  base: AgentModel;
  /** Where a request's generation cost goes (default: added to the run's gen_* metrics); a queue worker hands it to its coordinator. */
  recordCost?: (req: DebateRequest, cost: GenerationCost) => Promise<void>;
  /** Recorded in every turn generated here (a queue worker names itself). */
  turnMeta?: Record<string, unknown>;
  /** Once aborted (the run's lease lost, a queue unit past its time), no new question starts and run() throws. */
  signal?: AbortSignal;
}

/**
 * The loop's debates on the real engine. Seeds are scoped by phase and iteration but not by method, so
 * every method meets the same sampling noise on the same question, agent and round (equal terms).
 */
export function debatePort(o: DebatePortOptions): DebatePort {
  const recordCost = o.recordCost ?? ((req, c) => addGenerationCost(o.store, o.runId, req, c));
  return {
    async run(req: DebateRequest) {
      const n = req.generators.length;
      // The summarizer is the untrained base model, as in the paper; agents bring their own weights.
      const agents = debateRoster({ agents: n, base: o.base, generators: req.generators, critics: req.critics, summarizer: o.base });
      const agentIds = await rosterAgentIds(o.store, o.runId, req.method, agents);
      const scope = { runId: o.runId, method: req.method, iteration: req.iteration, phase: req.phase };
      const deps = { backend: o.backend, store: o.store, task: withVars(o.task, req.vars), scope, agents, agentIds, turnMeta: o.turnMeta };
      const d = o.config.debate;
      const progress = new Progress({ total: req.questions.length, label: req.label });
      const fresh = { questions: 0, tokens: 0, turns: 0 };
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      await runDebates(
        req.questions.map((q) => ({ question: q, storeQuestionId: q.rowId })),
        deps,
        {
          rounds: req.rounds,
          summarize: req.summarize,
          sampling: { temperature: d.temperature, topP: d.top_p, maxTokens: d.max_tokens },
          runSeed: o.seed,
          seedScope: `${req.phase}/it${req.iteration}${req.generatorRole ? `/${req.generatorRole}` : ""}`,
          generatorRole: req.generatorRole,
        },
        {
          concurrency: d.concurrency,
          signal: o.signal,
          onOutcome: (out) => {
            const made = out.turns.filter((t) => t.fresh);
            const tokens = made.reduce((s, t) => s + t.completionTokens, 0);
            progress.update({ correct: out.correct, fresh: made.length > 0, freshTokens: tokens });
            if (made.length) {
              fresh.questions++;
              fresh.turns += made.length;
              fresh.tokens += tokens;
            }
          },
        },
      );
      if (fresh.turns > 0)
        await recordCost(req, { ...fresh, wall: (performance.now() - t0) / 1000, cpu: cpuSeconds(process.cpuUsage(cpu0)) });
    },
  };
}

/**
 * What generating cost, per (debate key, iteration, phase): wall and CPU seconds of the process that
 * generated (llama.cpp's threads included) over the questions it generated turns for, added up across
 * resumed attempts and queue units (an attempt killed mid-phase loses its share: nothing is stored until
 * its call returns). Scope `phase:<phase>`.
 */
export async function addGenerationCost(
  store: Store,
  runId: string,
  req: Pick<DebateRequest, "method" | "iteration" | "phase">,
  c: GenerationCost,
) {
  const scope = `phase:${req.phase}`;
  const stored = new Map(
    (await store.metrics.list({ runId, method: req.method, iteration: req.iteration, scope })).map((m) => [m.name, m.value]),
  );
  const add = (name: string, v: number) => ({
    runId,
    method: req.method,
    iteration: req.iteration,
    scope,
    name,
    value: (stored.get(name) ?? 0) + v,
  });
  await store.metrics.put([
    add(GENERATION.wallSeconds, c.wall),
    add(GENERATION.cpuSeconds, c.cpu),
    add(GENERATION.questions, c.questions),
    add(GENERATION.turns, c.turns),
    add(GENERATION.completionTokens, c.tokens),
  ]);
}

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

/** The task with the request's extra template variables (STaR's hint needs the gold answer). */
function withVars(task: Task, vars: DebateRequest["vars"]): Task {
  if (vars !== "gold") return task;
  return { ...task, promptVars: (q) => ({ ...task.promptVars(q), gold: q.gold }) };
}
