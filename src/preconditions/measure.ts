/**
 * Answers of one model on a question set, collected through the real debate engine (same prompts, seeds
 * and backend as a run), into a throwaway in-memory store: k independent samples, the untrained N-agent
 * debate, or a greedy answer. Round 1 of a debate with seed scope S is exactly the first N samples of a
 * sampling pass with scope S, so maj@N and the debate are compared on the same round-1 answers.
 */
import type { AgentModel, Backend } from "../backends/types.js";
import { debateRoster, runDebates } from "../protocols/debate/index.js";
import { rosterAgentIds, type SamplingOptions } from "../protocols/index.js";
import { openStore, type Store } from "../store/index.js";
import type { Question, Task } from "../tasks/index.js";

/** One question's answers: `rounds[r][n]` is agent n's canonical answer in round r+1 (null = unparsed). */
export interface QuestionAnswers {
  question: Question;
  rounds: Array<Array<string | null>>;
  /** The completions behind `rounds`, same indices (for diagnostics: which chain, who adopted whom). */
  texts: string[][];
}

export interface PanelOptions {
  backend: Backend;
  task: Task;
  seed: number;
  concurrency: number;
  promptsDir?: string;
  /** Called as questions finish (label, done, total). */
  progress?: (label: string, done: number, total: number) => void;
}

export interface Panel {
  /** N agents of one model; rounds = 1 is N independent samples. */
  debate(
    label: string,
    model: AgentModel,
    questions: readonly Question[],
    o: { agents: number; rounds: number; sampling: SamplingOptions; scope: string },
  ): Promise<QuestionAnswers[]>;
  close(): Promise<void>;
}

export async function openPanel(o: PanelOptions): Promise<Panel> {
  const store: Store = await openStore(":memory:");
  const runId = "preconditions";
  await store.runs.create({ id: runId, name: runId, methods: [], config: {}, seed: o.seed });
  let calls = 0;
  return {
    async debate(label, model, questions, d) {
      const rows = await store.questions.record(
        questions.map((q) => ({ task: q.task, split: q.split, qid: q.id, text: q.text, gold: q.gold, meta: q.meta ?? null })),
      );
      // A store method key per call, so calls never read each other's turns; seeds come from `scope` only.
      const method = `m${calls++}`;
      const agents = debateRoster({ agents: d.agents, base: model }).filter(
        (a) => a.role === "generator" || (d.rounds > 1 && a.role === "critic"),
      );
      const agentIds = await rosterAgentIds(store, runId, method, agents);
      const outcomes = await runDebates(
        questions.map((q, i) => ({ question: q, storeQuestionId: rows[i]!.id })),
        { backend: o.backend, store, task: o.task, scope: { runId, method, iteration: 0, phase: "test" }, agents, agentIds },
        { rounds: d.rounds, summarize: false, sampling: d.sampling, runSeed: o.seed, seedScope: d.scope, promptsDir: o.promptsDir },
        { concurrency: o.concurrency, onOutcome: (_, done) => o.progress?.(label, done, questions.length) },
      );
      const indexOf = new Map([...agentIds].map(([label, id]) => [id, Number(label.split(":")[1])]));
      const result: QuestionAnswers[] = [];
      for (const out of outcomes) {
        const rounds = Array.from({ length: d.rounds }, () => new Array<string | null>(d.agents).fill(null));
        const texts = Array.from({ length: d.rounds }, () => new Array<string>(d.agents).fill(""));
        for (const t of await store.turns.list(out.debateId)) {
          const i = indexOf.get(t.agentId)!;
          rounds[t.round - 1]![i] = t.parseStatus === "unparsed" || t.parsedAnswer === null ? null : o.task.canonical(t.parsedAnswer);
          texts[t.round - 1]![i] = t.completion;
        }
        result.push({ question: out.question, rounds, texts });
      }
      return result;
    },
    close: () => store.close(),
  };
}
