/**
 * `model: "society"`: the whole society as one model. The question (the last user message) is debated
 * by N generators (round 1) and N critics (rounds ≥ 2), each reading the others' answers or a
 * summarizer's summary of them, exactly as in training (same templates, roster, seeds scheme and vote);
 * the reply is the final-round answer that won the majority vote. Nothing is stored: a served debate is
 * not part of any run.
 */
import { createHash } from "node:crypto";
import type { AgentModel, Backend, ChatMessage, Generation } from "../backends/types.js";
import {
  criticChat,
  debateRoster,
  generatorChat,
  speaker,
  summarizerChat,
  summarizerFor,
  type PromptSource,
} from "../protocols/debate/index.js";
import { majorityVote, questionKey, type TieBreakRecord } from "../protocols/index.js";
import { turnSeedV1 } from "../util/seed.js";
import type { Question, Task } from "../tasks/index.js";

export interface SocietySpec {
  task: Task;
  /** Generator n speaks in round 1, critic n in rounds ≥ 2 (same length). */
  generators: AgentModel[];
  critics: AgentModel[];
  /** Writes the summaries critics read (the base model in training). */
  summarizer: AgentModel;
  rounds: number;
  summarize: boolean;
  /** Defaults of each turn; a request's temperature, top_p and max_tokens override them. */
  sampling: { temperature: number; topP: number; maxTokens: number };
  promptsDir?: string;
  /** One line saying whose agents these are (logs, /v1/models). */
  describe: string;
}

export interface SocietyTurn {
  round: number;
  role: "generator" | "critic";
  index: number;
  answer: string | null;
}

export interface SocietyAnswer {
  /** The reply: the winning agent's final-round text (or agent 0's when nobody gave a parsable answer). */
  text: string;
  answer: string | null;
  votes: Record<string, number>;
  tieBreak: TieBreakRecord | null;
  turns: SocietyTurn[];
  promptTokens: number;
  completionTokens: number;
  finishReason: Generation["finishReason"];
}

interface Said {
  prompt: ChatMessage[];
  completion: string;
  answer: string | null;
  finishReason: Generation["finishReason"];
}

export async function societyAnswer(
  backend: Backend,
  spec: SocietySpec,
  questionText: string,
  o: { seed: number; temperature?: number; topP?: number; maxTokens?: number; stop?: string[] },
): Promise<SocietyAnswer> {
  const n = spec.generators.length;
  const { task } = spec;
  const roster = debateRoster({ agents: n, base: spec.summarizer, generators: spec.generators, critics: spec.critics });
  const q: Question = {
    task: task.name,
    split: "test",
    id: createHash("sha256").update(questionText).digest("hex").slice(0, 16),
    text: questionText,
    gold: "",
  };
  const src: PromptSource = { task: task.prompts ?? task.name, vars: task.promptVars(q), dir: spec.promptsDir };
  const sampling = {
    temperature: o.temperature ?? spec.sampling.temperature,
    topP: o.topP ?? spec.sampling.topP,
    maxTokens: o.maxTokens ?? spec.sampling.maxTokens,
    ...(o.stop?.length ? { stop: o.stop } : {}),
  };
  let promptTokens = 0,
    completionTokens = 0;
  const turns: SocietyTurn[] = [];
  const say = async (model: AgentModel, agent: string, round: number, prompt: ChatMessage[]): Promise<Generation> => {
    const seed = turnSeedV1({ runSeed: o.seed, scope: "serve", questionKey: questionKey(q), agent, round });
    const g = await backend.generate(model, prompt, { ...sampling, seed });
    promptTokens += g.promptTokens;
    completionTokens += g.completionTokens;
    return g;
  };

  let previous: Said[] = [];
  for (let round = 1; round <= spec.rounds; round++) {
    const prev = previous;
    previous = await Promise.all(
      Array.from({ length: n }, async (_, i): Promise<Said> => {
        const agent = speaker(roster, round, i);
        let prompt: ChatMessage[];
        if (round === 1) prompt = generatorChat(src);
        else {
          const others = prev.map((t, j) => ({ n: j, text: t.completion })).filter((x) => x.n !== i);
          let input: { summary: string } | { others: typeof others } = { others };
          if (spec.summarize) {
            const s = summarizerFor(roster, i);
            input = { summary: (await say(s.model, `summarizer:${i}`, round, summarizerChat(src, others))).text };
          }
          prompt = criticChat(src, { prompt: prev[i]!.prompt, completion: prev[i]!.completion }, input);
        }
        const g = await say(agent.model, `${agent.role}:${i}`, round, prompt);
        const answer = task.extract(g.text).answer;
        turns.push({ round, role: agent.role === "critic" ? "critic" : "generator", index: i, answer });
        return { prompt, completion: g.text, answer, finishReason: g.finishReason };
      }),
    );
  }

  const vote = majorityVote(
    previous,
    (a) => task.canonical(a),
    turnSeedV1({ runSeed: o.seed, scope: "serve", questionKey: questionKey(q), agent: "vote", round: spec.rounds }),
  );
  const winner = vote.key === null ? previous[0]! : previous.find((t) => t.answer !== null && task.canonical(t.answer) === vote.key)!;
  turns.sort((a, b) => a.round - b.round || a.index - b.index);
  return {
    text: winner.completion,
    answer: vote.answer,
    votes: vote.votes,
    tieBreak: vote.tieBreak,
    turns,
    promptTokens,
    completionTokens,
    finishReason: winner.finishReason,
  };
}

/** The question a chat asks the society: its last user message. */
export function societyQuestion(chat: readonly ChatMessage[]): string | undefined {
  for (let i = chat.length - 1; i >= 0; i--) if (chat[i]!.role === "user") return chat[i]!.content;
  return undefined;
}
