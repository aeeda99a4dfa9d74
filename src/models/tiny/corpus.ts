import { renderPrompt } from "../../prompts/templates.js";
import { compactSolution, formatCompactSteps as formatSteps, generateArithmetic, stepsOf } from "../../tasks/arithmetic.js";
import type { Question } from "../../tasks/types.js";
import { createXoshiro128Rng, type Xoshiro128Rng } from "../../util/rng.js";
import { fnvSplitmixSeedV1 } from "../../util/seed.js";
import type { ChatMessage } from "./chat.js";
import { operandsOf, ORDER_NAMES, slipSolution, solution, type Operands, type OrderName } from "./solutions.js";

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
 * A spec with `world` (LabWorld, issue 14's lab; the `default` recipe has one) builds another corpus
 * instead; without it the corpus is the tiny-v1 one, byte for byte, so the cached test model stays valid.
 *
 * Why not the task's `arithmeticSolution`: it restates the expression three times (~95 characters), which
 * doubles the tokens per example for a one-character-per-token model trained in minutes on 2 cores, and
 * doubles every critic prompt that quotes other agents. The compact form keeps one operation per step:
 *   4*5=20 7*8=56 3+20=23 23+6=29 29-56=-27 \boxed{-27}
 */

export type { Operands, OrderName };
export { compactSolution, operandsOf };

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

/**
 * The lab's world (issue 14): several solution orders (the paper's "diverse reasoning chains"), wrong
 * answers with realistic slips (solutions.ts), critics that keep a right first answer, else adopt a right
 * quoted one as written, else repair their own chain, an optional knowledge gap, and the shortcut. The
 * `default` recipe's world (two tagged orders and the shortcut) is the one that passes the lab's
 * preconditions; recipe.ts lists what the others measured.
 */
export interface LabWorld {
  /** Relative share of each solution order (default: products-first only). */
  orders?: Partial<Record<OrderName, number>>;
  /** Weights of how many other agents a critic chat quotes, by count (index 0 unused; default [0, .25, .7, .05]). */
  otherCounts?: number[];
  /** Solutions open with their order's tag (solutions.ts). */
  tagged?: boolean;
  /**
   * The knowledge gap: questions whose multiplicands include `value` are kept with probability `keep`
   * per occurrence, so the model sees few of those products. The task draws operands uniformly, so
   * training on right answers of task questions can close the gap.
   */
  rare?: { value: number; keep: number };
  /**
   * The shortcut: a share of answers skip the work and write a hasty estimate, `\boxed{N}` with N the
   * right value off by 1..spread either way, the way a model answering without reasoning does. With it,
   * a critic asked to check always works a chain (re-solves in its own order, a fresh one after its
   * own shortcut) instead of keeping, adopting or repairing, and round-1 answers quoted to it are
   * shortcuts at the same share. The shortcut is one decision at the answer's first token: when its
   * share exceeds any one order's, greedy decoding always takes it, while most samples work a chain.
   */
  shortcut?: { share: number; spread: number };
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
  /** The lab's world (absent: the tiny-v1 corpus). */
  world?: LabWorld;
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

/** Index i with probability weights[i] / Σ weights. */
function pick(rng: Xoshiro128Rng, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = rng.next() * total;
  for (let i = 0; i < weights.length; i++) if ((x -= weights[i]!) < 0) return i;
  return weights.length - 1;
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
export function trainQuestions(seed: number, maxValue: number, count: number, rare?: LabWorld["rare"]): Question[] {
  // About half of all (maxValue+1)^6 expressions are in the train split; stay well under that.
  const cap = Math.floor(0.4 * (maxValue + 1) ** 6);
  if (!rare || rare.keep >= 1) return generateArithmetic("train", seed, Math.min(count, cap), maxValue);
  const rng = createXoshiro128Rng(fnvSplitmixSeedV1(seed, "tiny-rare", rare.value, rare.keep));
  const keep = (q: Question) => {
    const [, b, c, , e, f] = operandsOf(q);
    return [b, c, e, f].every((x) => x !== rare.value || rng.next() < rare.keep);
  };
  return generateArithmetic("train", seed, cap, maxValue).filter(keep).slice(0, count);
}

/** Deterministic for a spec: same spec ⇒ same chats in the same order. */
export function buildCorpus(spec: CorpusSpec): CorpusChat[] {
  if (spec.world) return buildLabCorpus(spec, spec.world);
  const questions = trainQuestions(spec.seed, spec.maxValue, spec.generatorChats + spec.criticChats);
  const rng = createXoshiro128Rng(fnvSplitmixSeedV1(spec.seed, "tiny-corpus", spec.maxValue));
  const otherRight = spec.otherRightRate ?? 0.5;
  const firstRight = spec.firstRightRate ?? 0.5;
  return interleaved(spec, questions, rng, (q, o, isCritic) => {
    const correct = compactSolution(o);
    if (!isCritic) return [{ role: "assistant", content: correct }];
    const first = rng.next() < firstRight;
    const others = (n: number) => Array.from({ length: n }, () => (rng.next() < otherRight ? correct : wrongSolution(o, rng)));
    const opening: ChatMessage = { role: "assistant", content: first ? correct : wrongSolution(o, rng), weight: first ? 1 : 0 };
    return [
      opening,
      { role: "user", content: criticPrompt(others(otherCount(rng)), q.text, spec.promptsDir) },
      { role: "assistant", content: correct },
    ];
  });
}

/**
 * The chats in question order, generator and critic kinds interleaved at random so every batch sees both;
 * `rest` writes what follows the generator prompt (drawing from `rng` after the kind is drawn).
 */
function interleaved(
  spec: CorpusSpec,
  questions: readonly Question[],
  rng: Xoshiro128Rng,
  rest: (q: Question, o: Operands, isCritic: boolean) => ChatMessage[],
): CorpusChat[] {
  let gensLeft = spec.generatorChats;
  let criticsLeft = spec.criticChats;
  const out: CorpusChat[] = [];
  for (let i = 0; i < spec.generatorChats + spec.criticChats; i++) {
    const q = questions[i % questions.length]!;
    const isCritic = rng.next() * (gensLeft + criticsLeft) < criticsLeft;
    if (isCritic) criticsLeft--;
    else gensLeft--;
    const messages: ChatMessage[] = [
      { role: "user", content: generatorPrompt(q.text, spec.promptsDir) },
      ...rest(q, operandsOf(q), isCritic),
    ];
    out.push({ kind: isCritic ? "critic" : "generator", questionId: q.id, question: q.text, gold: q.gold, messages });
  }
  return out;
}

/** The LabWorld corpus: solution orders by share, slipped wrong answers, critics that keep, adopt or repair. */
function buildLabCorpus(spec: CorpusSpec, world: LabWorld): CorpusChat[] {
  const questions = trainQuestions(spec.seed, spec.maxValue, spec.generatorChats + spec.criticChats, world.rare);
  const rng = createXoshiro128Rng(fnvSplitmixSeedV1(spec.seed, "tiny-corpus", spec.maxValue));
  const otherRight = spec.otherRightRate ?? 0.5;
  const firstRight = spec.firstRightRate ?? 0.5;
  const shares = world.orders ?? { "products-first": 1 };
  const orderNames = ORDER_NAMES.filter((n) => shares[n]);
  const orderWeights = orderNames.map((n) => shares[n]!);
  const counts = world.otherCounts ?? [0, 0.25, 0.7, 0.05];
  const anOrder = () => orderNames[pick(rng, orderWeights)]!;
  const style = { tagged: world.tagged };
  const cut = world.shortcut;
  if (cut) return buildShortcutCorpus(spec, questions, rng, { cut, anOrder, style, otherRight, firstRight, counts });
  return interleaved(spec, questions, rng, (q, o, isCritic) => {
    const own = anOrder();
    if (!isCritic) return [{ role: "assistant", content: solution(o, own, style) }];
    const firstOk = rng.next() < firstRight;
    const first = firstOk ? solution(o, own, style) : slipSolution(o, rng, own, style);
    const others = Array.from({ length: Math.max(1, pick(rng, counts)) }, () => {
      const order = anOrder();
      const ok = rng.next() < otherRight;
      return { ok, text: ok ? solution(o, order, style) : slipSolution(o, rng, order, style) };
    });
    const right = others.filter((x) => x.ok);
    // Keep a right answer; else adopt a right one as written; else repair its own chain.
    const target = firstOk ? first : right.length ? right[rng.int(0, right.length - 1)]!.text : solution(o, own, style);
    const quoted = others.map((x) => x.text);
    return [
      { role: "assistant", content: first, weight: firstOk ? 1 : 0 },
      { role: "user", content: criticPrompt(quoted, q.text, spec.promptsDir) },
      { role: "assistant", content: target },
    ];
  });
}

/** A shortcut answer: the right value off by 1..spread, either way. */
export function shortcutAnswer(o: Operands, rng: Xoshiro128Rng, spread: number): string {
  const off = rng.int(1, spread) * (rng.next() < 0.5 ? -1 : 1);
  return `\\boxed{${stepsOf(o).r + off}}`;
}

/**
 * The shortcut world's chats: generators answer by shortcut at its share, else with a right chain in
 * an order; critics see their own first answer and others' round-1 answers (shortcuts, right or slipped
 * chains) and re-solve with a right chain.
 */
function buildShortcutCorpus(
  spec: CorpusSpec,
  questions: readonly Question[],
  rng: Xoshiro128Rng,
  w: {
    cut: NonNullable<LabWorld["shortcut"]>;
    anOrder: () => OrderName;
    style: { tagged?: boolean };
    otherRight: number;
    firstRight: number;
    counts: readonly number[];
  },
): CorpusChat[] {
  const { cut, anOrder, style, otherRight, firstRight, counts } = w;
  // One round-1 answer: a shortcut at its share, else a chain, right at `rightRate`.
  const roundOne = (o: Operands, order: OrderName, rightRate: number) => {
    if (rng.next() < cut.share) return { ok: false, text: shortcutAnswer(o, rng, cut.spread), order: null };
    const ok = rng.next() < rightRate;
    return { ok, text: ok ? solution(o, order, style) : slipSolution(o, rng, order, style), order };
  };
  return interleaved(spec, questions, rng, (q, o, isCritic) => {
    if (!isCritic) {
      const first = roundOne(o, anOrder(), 1);
      return [{ role: "assistant", content: first.text }];
    }
    const first = roundOne(o, anOrder(), firstRight);
    const others = Array.from({ length: Math.max(1, pick(rng, counts)) }, () => roundOne(o, anOrder(), otherRight).text);
    return [
      { role: "assistant", content: first.text, weight: first.ok ? 1 : 0 },
      { role: "user", content: criticPrompt(others, q.text, spec.promptsDir) },
      { role: "assistant", content: solution(o, first.order ?? anOrder(), style) },
    ];
  });
}

/**
 * Gold worked solutions as the corpus writes them: the compact (products-first) form, or with a world,
 * in its orders, one order per question fixed by the question text (so the same question always gets
 * the same chain, whatever else is asked), drawn by the order shares.
 */
export function goldSolutions(world?: LabWorld): (q: { text: string }) => string {
  if (!world) return (q) => compactSolution(operandsOf(q));
  const shares = world.orders ?? { "products-first": 1 };
  const names = ORDER_NAMES.filter((n) => shares[n]);
  const weights = names.map((n) => shares[n]!);
  const style = { tagged: world.tagged };
  return (q) => solution(operandsOf(q), names[pick(createXoshiro128Rng(fnvSplitmixSeedV1(0, "gold-order", q.text)), weights)]!, style);
}
