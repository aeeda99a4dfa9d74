/**
 * Turns a run config + eval section into what `society eval` runs: its run id, and the agents and debate
 * options of the chosen method (the backend and the base model: backends/spec.ts, models/resolve.ts).
 */
import type { AgentModel } from "../backends/index.js";
import type { RunConfig } from "../config/schema.js";
import { debateRoster, type AgentSpec, type DebateOptions } from "../protocols/debate/index.js";
import { UserError } from "../errors.js";
import { runKey } from "../util/run-key.js";
import { SPEED_ONLY, type EvalConfig } from "./config.js";

export interface ResolvedEval {
  run: RunConfig;
  eval: EvalConfig;
}

/** The same command (same results-relevant settings) → the same run id → a rerun resumes it. */
export function evalRunId(r: ResolvedEval): string {
  const evalPart = Object.fromEntries(Object.entries(r.eval).filter(([k]) => !(SPEED_ONLY.eval as readonly string[]).includes(k)));
  const debatePart = Object.fromEntries(
    Object.entries(r.run.debate).filter(([k]) => !(SPEED_ONLY.debate as readonly string[]).includes(k)),
  );
  return runKey({ name: r.run.name, method: r.eval.method, seed: r.run.seed, computes: { ...r.run, debate: debatePart, eval: evalPart } });
}

export interface MethodPlan {
  agents: AgentSpec[];
  options: DebateOptions;
}

/** single: one agent, one round; majority: k samples, one round, vote; debate: N agents × M rounds. */
export function methodPlan(r: ResolvedEval, base: AgentModel, promptsDir?: string): MethodPlan {
  const d = r.run.debate;
  const sampling = { temperature: d.temperature, topP: d.top_p, maxTokens: d.max_tokens };
  const common = { sampling, runSeed: r.run.seed, promptsDir };
  switch (r.eval.method) {
    case "single":
      return { agents: [{ role: "single", index: 0, model: base }], options: { ...common, rounds: 1, summarize: false } };
    case "majority": {
      const k = r.eval.k ?? r.run.agents;
      return {
        agents: Array.from({ length: k }, (_, index) => ({ role: "generator" as const, index, model: base })),
        options: { ...common, rounds: 1, summarize: false },
      };
    }
    case "debate": {
      if (r.run.rounds > 1 && r.run.agents < 2)
        throw new UserError(`debate: rounds: ${r.run.rounds} needs agents ≥ 2 (agents read each other's answers)`);
      const summarize = d.summarize && r.run.rounds > 1;
      const agents = debateRoster({ agents: r.run.agents, base }).filter(
        (a) => a.role === "generator" || (r.run.rounds > 1 && a.role === "critic") || (summarize && a.role === "summarizer"),
      );
      return { agents, options: { ...common, rounds: r.run.rounds, summarize } };
    }
  }
}
