import { renderPrompt } from "../../prompts/templates.js";
import { compactSolution, formatCompactSteps as formatSteps, generateArithmetic, stepsOf } from "../../tasks/arithmetic.js";
import type { Question } from "../../tasks/types.js";
import { createXoshiro128Rng, type Xoshiro128Rng } from "../../util/rng.js";
import { fnvSplitmixSeedV1 } from "../../util/seed.js";
import type { ChatMessage } from "./chat.js";

/**
 * The tiny model's training corpus: arithmetic chats in the same format the debates use, rendered from
 * prompts/arithmetic/*. Two kinds of chat:
 *   generator: user = `generator` prompt, assistant = compact worked steps ending in \boxed{N};
 *   critic:    the same opening (the agent's own first answer, right or wrong; trained on only when
 *              right), then user = `critic` prompt listing other agents' answers (some right, some wrong),
 *              assistant = the correct worked steps.
 * Questions come only from the arithmetic task's TRAIN split (a hash partition of all expressions), so no
 * test-split question can appear here.
 *
 * Why not the task's `arithmeticSolution`: it restates the expression three times (~95 characters), which
 * doubles the tokens per example for a one-character-per-token model trained in minutes on 2 cores, and
 * doubles every critic prompt that quotes other agents. The compact form keeps one operation per step:
 *   4*5=20 7*8=56 3+20=23 23+6=29 29-56=-27 \boxed{-27}
 */

export { compactSolution };

export type Operands = readonly [number, number, number, number, number, number];

export function operandsOf(q: Question): Operands {
  const m = /^(\d+)\+(\d+)\*(\d+)\+(\d+)-(\d+)\*(\d+)$/.exec(q.text.trim());
  if (!m) throw new Error(`not an arithmetic question: ${q.text}`);
  return m.slice(1).map(Number) as unknown as Operands;
}

/**
 * A plausible wrong solution: one step is off (by ±1, ±2, ±10 or a random 1..9), the steps after it are
 * computed correctly from the wrong value, so the final answer is wrong the way a careless agent's is.
 */
export function wrongSolution(o: Operands, rng: Xoshiro128Rng): string {
  const [a, , , d] = o;
  const s = stepsOf(o);
  const step = rng.int(0, 4);
  const deltas = [1, 2, 10, rng.int(1, 9)];
  const delta = deltas[rng.int(0, deltas.length - 1)]! * (rng.next() < 0.5 ? -1 : 1);
  const w = { ...s };
  if (step === 0) w.p1 = Math.max(0, s.p1 + delta) === s.p1 ? s.p1 + Math.abs(delta) : Math.max(0, s.p1 + delta);
  if (step === 1) w.p2 = Math.max(0, s.p2 + delta) === s.p2 ? s.p2 + Math.abs(delta) : Math.max(0, s.p2 + delta);
  w.s1 = step === 2 ? a + w.p1 + delta : a + w.p1;
  w.s2 = step === 3 ? w.s1 + d + delta : w.s1 + d;
  w.r = step === 4 ? w.s2 - w.p2 + delta : w.s2 - w.p2;
  return formatSteps(o, w);
}

export interface CorpusSpec {
  seed: number;
  /** Operands are 0..maxValue (the arithmetic task's max_value option). */
  maxValue: number;
  generatorChats: number;
  criticChats: number;
  /** Chance each other agent's quoted answer is right (default 0.5). */
  otherRightRate?: number;
  /** Chance the agent's own first answer in a critic chat is right (default 0.5). */
  firstRightRate?: number;
  /** Another prompts/ folder (default: the repo's). */
  promptsDir?: string;
}

export interface CorpusChat {
  kind: "generator" | "critic";
  questionId: string;
  question: string;
  gold: string;
  messages: ChatMessage[];
}

/** How many other agents a critic sees: 2 (the paper's 3-agent debates) most often, sometimes 1, rarely 3. */
function otherCount(rng: Xoshiro128Rng): number {
  const x = rng.next();
  return x < 0.25 ? 1 : x < 0.95 ? 2 : 3;
}

/** The `generator` prompt for a question. `promptsDir`: another prompts/ folder (default: the repo's). */
export function generatorPrompt(question: string, promptsDir?: string): string {
  return renderPrompt("arithmetic", "generator", { question }, promptsDir);
}

/** The critic prompt with `other_responses` built from `other-response` items, as the debate renders it. */
export function criticPrompt(otherResponses: readonly string[], question: string, promptsDir?: string): string {
  const items = otherResponses.map((response, i) => renderPrompt("arithmetic", "other-response", { index: i + 1, response }, promptsDir));
  return renderPrompt("arithmetic", "critic", { question, other_responses: items.join("") }, promptsDir);
}

/** Train-split questions for the corpus: as many distinct ones as needed, or the whole pool re-used in order. */
export function trainQuestions(seed: number, maxValue: number, count: number): Question[] {
  // About half of all (maxValue+1)^6 expressions are in the train split; stay well under that.
  const pool = Math.min(count, Math.floor(0.4 * (maxValue + 1) ** 6));
  return generateArithmetic("train", seed, pool, maxValue);
}

/** Deterministic for a spec: same spec ⇒ same chats in the same order. */
export function buildCorpus(spec: CorpusSpec): CorpusChat[] {
  const total = spec.generatorChats + spec.criticChats;
  const questions = trainQuestions(spec.seed, spec.maxValue, total);
  const rng = createXoshiro128Rng(fnvSplitmixSeedV1(spec.seed, "tiny-corpus", spec.maxValue));
  const otherRight = spec.otherRightRate ?? 0.5;
  const firstRight = spec.firstRightRate ?? 0.5;
  // Interleave the two kinds at random so every batch sees both.
  let gensLeft = spec.generatorChats;
  let criticsLeft = spec.criticChats;
  const out: CorpusChat[] = [];
  for (let i = 0; i < total; i++) {
    const q = questions[i % questions.length]!;
    const o = operandsOf(q);
    const correct = compactSolution(o);
    const isCritic = rng.next() * (gensLeft + criticsLeft) < criticsLeft;
    const messages: ChatMessage[] = [{ role: "user", content: generatorPrompt(q.text, spec.promptsDir) }];
    if (!isCritic) {
      gensLeft--;
      messages.push({ role: "assistant", content: correct });
    } else {
      criticsLeft--;
      const first = rng.next() < firstRight;
      messages.push({ role: "assistant", content: first ? correct : wrongSolution(o, rng), weight: first ? 1 : 0 });
      const others = Array.from({ length: otherCount(rng) }, () => (rng.next() < otherRight ? correct : wrongSolution(o, rng)));
      messages.push({ role: "user", content: criticPrompt(others, q.text, spec.promptsDir) }, { role: "assistant", content: correct });
    }
    out.push({ kind: isCritic ? "critic" : "generator", questionId: q.id, question: q.text, gold: q.gold, messages });
  }
  return out;
}
