/**
 * The debate protocol (Du et al., 2024; Subramaniam et al., 2025): N agents answer (round 1), then for
 * rounds 2..M each critic reads its own earlier exchange plus the other agents' previous answers (or a
 * summarizer's summary of them) and answers again; the final answer is the majority vote of the last
 * round. Every turn goes through the turn engine (../turns.ts), so a resumed debate reads what is stored
 * and reaches the same final answer as an uninterrupted one.
 */
import type { Backend, ChatMessage } from "../../backends/types.js";
import type { Store } from "../../store/index.js";
import type { Question, Task } from "../../tasks/index.js";
import { runMany, runUnit, type UnitItem, type UnitOutcome } from "../run-many.js";
import { allOrFirstError, type TurnSummary, type UnitScope } from "../turns.js";
import type { Protocol, SamplingOptions, Seat, TurnRecord } from "../types.js";
import { majorityVote } from "../vote.js";
import { criticChat, generatorChat, summarizerChat, type PromptSource } from "./prompts.js";
import { countSpeakers, DEBATE_ROLES, speaker, summarizerFor, type AgentSpec } from "./roster.js";

export interface DebateSettings {
  rounds: number;
  summarize: boolean;
  /** Template role of the round-1 prompt (default "generator"; STaR's rationalization uses "star-hint"). */
  generatorRole?: string;
}

export function debateProtocol(o: DebateSettings): Protocol {
  return {
    name: "debate",
    roles: DEBATE_ROLES,
    async run({ question, task, promptsDir }, seats, turns) {
      const n = countSpeakers(seats);
      const src: PromptSource = { task: task.prompts ?? task.name, vars: task.promptVars(question), dir: promptsDir };
      let previous: TurnRecord[] = [];
      for (let round = 1; round <= o.rounds; round++) {
        const prev = previous;
        previous = await allOrFirstError(
          Array.from({ length: n }, async (_, i) => {
            const seat = speaker(seats, round, i);
            if (round === 1) return turns.take({ seat, round, prompt: generatorChat(src, o.generatorRole), parse: true });
            const others = prev.map((t, j) => ({ n: j, text: t.completion })).filter((x) => x.n !== i);
            let input: { summary: string } | { others: typeof others } = { others };
            if (o.summarize) {
              const s = await turns.take({
                seat: summarizerFor(seats, i),
                round,
                prompt: summarizerChat(src, others),
                parse: false,
                meta: { summaryFor: i },
              });
              input = { summary: s.completion };
            }
            return turns.take({
              seat,
              round,
              prompt: criticChat(src, { prompt: prev[i]!.prompt as ChatMessage[], completion: prev[i]!.completion }, input),
              parse: true,
            });
          }),
        );
      }
      const vote = majorityVote(
        previous.map((t) => ({ answer: t.parsedAnswer })),
        (a) => task.canonical(a),
        turns.seed("vote", o.rounds),
      );
      return { finalAnswer: vote.answer, votes: vote.votes, tieBreak: vote.tieBreak };
    },
  };
}

// ── The debate's own entry points (eval, the training loop), over the generic engine ──

export interface DebateOptions extends DebateSettings {
  sampling: SamplingOptions;
  runSeed: number;
  /** Separates seeds of otherwise identical units (see ../seed.ts). Default "". */
  seedScope?: string;
  /** Another prompts/ folder. */
  promptsDir?: string;
}

export type DebateScope = UnitScope;

export interface DebateDeps {
  backend: Backend;
  store: Store;
  task: Task;
  scope: DebateScope;
  agents: readonly AgentSpec[];
  /** Store agent ids by `${role}:${index}` (see rosterAgentIds). */
  agentIds: ReadonlyMap<string, string>;
  /** Recorded in every turn generated (EngineDeps.turnMeta). */
  turnMeta?: Record<string, unknown>;
}

export type DebateOutcome = UnitOutcome;
export type { TurnSummary };
export type DebateItem = UnitItem;

function check(agents: readonly Seat[], rounds: number): void {
  const n = countSpeakers(agents);
  if (n < 1) throw new Error("debate: no agents");
  if (rounds > 1 && n < 2) throw new Error(`debate: ${rounds} rounds need at least 2 agents to read each other (got ${n})`);
}

const engine = (deps: DebateDeps, opts: DebateOptions) => ({
  backend: deps.backend,
  store: deps.store,
  task: deps.task,
  scope: deps.scope,
  agentIds: deps.agentIds,
  turnMeta: deps.turnMeta,
  sampling: opts.sampling,
  runSeed: opts.runSeed,
  seedScope: opts.seedScope,
});

export async function runDebate(q: Question, storeQuestionId: string, deps: DebateDeps, opts: DebateOptions): Promise<DebateOutcome> {
  check(deps.agents, opts.rounds);
  return runUnit(debateProtocol(opts), { question: q, storeQuestionId }, deps.agents, engine(deps, opts), opts.promptsDir);
}

/** Debates many questions, `concurrency` at a time (see ../run-many.ts). */
export async function runDebates(
  items: readonly DebateItem[],
  deps: DebateDeps,
  opts: DebateOptions,
  run: { concurrency: number; onOutcome?: (o: DebateOutcome, done: number) => void; signal?: AbortSignal },
): Promise<DebateOutcome[]> {
  check(deps.agents, opts.rounds);
  return runMany(debateProtocol(opts), items, deps.agents, engine(deps, opts), { ...run, promptsDir: opts.promptsDir });
}
