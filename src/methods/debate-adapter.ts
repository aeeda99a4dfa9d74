import type { AgentModel, Backend } from "../backends/types.js";
import type { RunConfig } from "../config/schema.js";
import { debateRoster, runDebates } from "../protocols/debate/index.js";
import { rosterAgentIds } from "../protocols/index.js";
import { Progress } from "../util/progress.js";
import type { Store } from "../store/index.js";
import type { Task } from "../tasks/index.js";
import type { DebatePort, DebateRequest } from "./debate-port.js";

/**
 * The loop's debates on the real engine. Seeds are scoped by phase and iteration but not by method, so
 * every method meets the same sampling noise on the same question, agent and round (equal terms).
 */
export function debatePort(o: { store: Store; backend: Backend; task: Task; runId: string; config: RunConfig; seed: number; base: AgentModel }): DebatePort {
  return {
    async run(req: DebateRequest) {
      const n = req.generators.length;
      // The summarizer is the untrained base model, as in the paper; agents bring their own weights.
      const agents = debateRoster({ agents: n, base: o.base, generators: req.generators, critics: req.critics, summarizer: o.base });
      const agentIds = await rosterAgentIds(o.store, o.runId, req.method, agents);
      const scope = { runId: o.runId, method: req.method, iteration: req.iteration, phase: req.phase };
      const deps = { backend: o.backend, store: o.store, task: req.extraVars ? withVars(o.task, req.extraVars) : o.task, scope, agents, agentIds };
      const d = o.config.debate;
      const progress = new Progress({ total: req.questions.length, label: req.label });
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
          onOutcome: (out) => {
            const fresh = out.turns.filter((t) => t.fresh);
            progress.update({ correct: out.correct, fresh: fresh.length > 0, freshTokens: fresh.reduce((s, t) => s + t.completionTokens, 0) });
          },
        },
      );
    },
  };
}

/** The task with extra per-question template variables (STaR's hint needs the gold answer). */
function withVars(task: Task, extra: NonNullable<DebateRequest["extraVars"]>): Task {
  return { ...task, promptVars: (q) => ({ ...task.promptVars(q), ...extra(q) }) };
}
