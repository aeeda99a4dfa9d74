/**
 * One question, debated: N agents answer (round 1), then for rounds 2..M each critic reads its own
 * earlier exchange plus the other agents' previous answers (or a summarizer's summary of them) and
 * answers again; the final answer is the majority vote of the last round.
 *
 * Resumable by construction: every turn is written to the store (one transaction) the moment it is
 * complete, and a turn already stored is read instead of generated. Since each turn's prompt is built
 * only from stored turns and its seed is derived from (run seed, question, agent, round), a resumed
 * debate reaches the same final answer as an uninterrupted one.
 */
import type { Backend, ChatMessage } from "../backends/types.js";
import type { Store, Turn } from "../store/index.js";
import type { Phase } from "../store/index.js";
import type { Question, Task } from "../tasks/index.js";
import { countSpeakers, speaker, summarizerFor, type AgentSpec } from "./agents.js";
import { criticChat, generatorChat, summarizerChat, type PromptSource } from "./prompts.js";
import { deriveSeed, questionKey } from "./seed.js";
import { majorityVote, type TieBreakRecord } from "./vote.js";

export interface SamplingOptions {
  temperature: number;
  topP: number;
  maxTokens: number;
  stop?: string[];
}

export interface DebateOptions {
  rounds: number;
  summarize: boolean;
  sampling: SamplingOptions;
  runSeed: number;
  /** Separates seeds of otherwise identical units (see seed.ts). Default "". */
  seedScope?: string;
  /** Another prompts/ folder. */
  promptsDir?: string;
  /** Template role of the round-1 prompt (default "generator"; STaR's rationalization uses "star-hint"). */
  generatorRole?: string;
}

export interface DebateScope {
  runId: string;
  method: string;
  iteration: number;
  phase: Phase;
}

export interface DebateDeps {
  backend: Backend;
  store: Store;
  task: Task;
  scope: DebateScope;
  agents: readonly AgentSpec[];
  /** Store agent ids by `${role}:${index}` (see ensureAgents). */
  agentIds: ReadonlyMap<string, string>;
}

export interface TurnSummary {
  round: number;
  role: AgentSpec["role"];
  index: number;
  answer: string | null;
  parseStatus: Turn["parseStatus"];
  promptTokens: number;
  completionTokens: number;
  /** True when this process generated it (false: read back from the store). */
  fresh: boolean;
}

export interface DebateOutcome {
  debateId: string;
  question: Question;
  finalAnswer: string | null;
  correct: boolean;
  votes: Record<string, number>;
  tieBreak: TieBreakRecord | null;
  turns: TurnSummary[];
}

export const agentLabel = (a: { role: string; index: number }) => `${a.role}:${a.index}`;

/** Creates (or finds) the store rows of every agent of a method; returns their ids by label. */
export async function ensureAgents(store: Store, runId: string, method: string, agents: readonly AgentSpec[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const a of agents) {
    const row = await store.agents.getOrCreate({ runId, method, role: a.role, agentIndex: a.index });
    ids.set(agentLabel(a), row.id);
  }
  return ids;
}

export async function runDebate(q: Question, storeQuestionId: string, deps: DebateDeps, opts: DebateOptions): Promise<DebateOutcome> {
  const { backend, store, task } = deps;
  const n = countSpeakers(deps.agents);
  if (n < 1) throw new Error("debate: no agents");
  if (opts.rounds > 1 && n < 2) throw new Error(`debate: ${opts.rounds} rounds need at least 2 agents to read each other (got ${n})`);
  const debate = await store.debates.getOrCreate({ ...deps.scope, questionId: storeQuestionId });
  const stored = new Map((await store.turns.list(debate.id)).map((t) => [`${t.agentId}|${t.round}`, t]));
  const src: PromptSource = { task: task.prompts ?? task.name, vars: task.promptVars(q), dir: opts.promptsDir };
  const qKey = questionKey(q);
  const summaries: TurnSummary[] = [];

  /** The stored turn of (agent, round), or a freshly generated and stored one. */
  const turn = async (agent: AgentSpec, round: number, prompt: ChatMessage[], parse: boolean): Promise<Turn> => {
    const agentId = deps.agentIds.get(agentLabel(agent));
    if (!agentId) throw new Error(`debate: agent ${agentLabel(agent)} has no store row (call ensureAgents)`);
    const hit = stored.get(`${agentId}|${round}`);
    let row: Turn;
    if (hit) row = hit;
    else {
      const seed = deriveSeed({ runSeed: opts.runSeed, scope: opts.seedScope, questionKey: qKey, agent: agentLabel(agent), round });
      const g = await backend.generate(agent.model, prompt, { ...opts.sampling, seed });
      const ex = parse ? task.extract(g.text) : { answer: null, status: "unparsed" as const };
      row = await store.turns.insert({
        debateId: debate.id,
        agentId,
        round,
        modelVersionId: agent.modelVersionId ?? null,
        prompt,
        completion: g.text,
        parsedAnswer: ex.answer,
        parseStatus: ex.status,
        promptTokens: g.promptTokens,
        completionTokens: g.completionTokens,
        latencyMs: g.latencyMs,
        seed,
        meta: { finishReason: g.finishReason, ...(parse ? {} : { summaryFor: agent.index }) },
      });
    }
    summaries.push({
      round, role: agent.role, index: agent.index, answer: row.parsedAnswer, parseStatus: row.parseStatus,
      promptTokens: row.promptTokens, completionTokens: row.completionTokens, fresh: !hit,
    });
    return row;
  };

  let previous: Turn[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    const prev = previous;
    previous = await allOrFirstError(Array.from({ length: n }, async (_, i) => {
      const agent = speaker(deps.agents, round, i);
      if (round === 1) return turn(agent, round, generatorChat(src, opts.generatorRole), true);
      const others = prev.map((t, j) => ({ n: j, text: t.completion })).filter((o) => o.n !== i);
      let input: { summary: string } | { others: typeof others } = { others };
      if (opts.summarize) {
        const s = await turn(summarizerFor(deps.agents, i), round, summarizerChat(src, others), false);
        input = { summary: s.completion };
      }
      return turn(agent, round, criticChat(src, { prompt: prev[i]!.prompt as ChatMessage[], completion: prev[i]!.completion }, input), true);
    }));
  }

  const voteSeed = deriveSeed({ runSeed: opts.runSeed, scope: opts.seedScope, questionKey: qKey, agent: "vote", round: opts.rounds });
  const vote = majorityVote(previous.map((t) => ({ answer: t.parsedAnswer })), (a) => task.canonical(a), voteSeed);
  if (debate.status !== "done") {
    await store.debates.finish(debate.id, { finalAnswer: vote.answer, votes: vote.votes, tieBreak: vote.tieBreak });
  }
  summaries.sort((a, b) => a.round - b.round || roleOrder(a.role) - roleOrder(b.role) || a.index - b.index);
  return {
    debateId: debate.id,
    question: q,
    finalAnswer: vote.answer,
    correct: task.grade(vote.answer, q.gold),
    votes: vote.votes,
    tieBreak: vote.tieBreak,
    turns: summaries,
  };
}

/** Like Promise.all, but waits for every turn in flight before failing, so each finished turn is stored. */
async function allOrFirstError<T>(ps: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(ps);
  const bad = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (bad) throw bad.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

const roleOrder = (r: string) => ["summarizer", "generator", "single", "critic"].indexOf(r);
