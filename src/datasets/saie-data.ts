/**
 * SAIE's learner data (Loem et al., arXiv 2311.08107; our reading in src/protocols/saie/README.md).
 *
 * Warm-up (and the standard-fine-tuning baseline): the question, as the task's generator prompt asks
 * it, answered by the task's worked gold solution.
 *
 * Discussion phase: one row per learner turn of each discussion — its opening answer and its answer
 * after each partner remark — with the chat it was given (the whole discussion so far; its own earlier
 * answers kept as context only, weight 0) and a target that depends on where the reference came from:
 *   gold:     the worked gold solution (the teacher signal), so the learner learns to reach the right
 *             answer from wherever the discussion has taken it: confirmed by support, or pushed off by
 *             an adversarial remark;
 *   majority: (no gold solutions) the learner's own reply, kept only when its answer agrees with the
 *             reference the remarks were built on.
 * Pure: the method reads discussions from the store (methods/steps/discussions.ts) and saves the result.
 */
import type { ChatMessage } from "../chat.js";
import type { BuiltDataset, DatasetRow } from "./types.js";

export interface DiscussionTurn {
  turnId: string;
  role: "learner" | "partner";
  round: number;
  prompt: ChatMessage[];
  completion: string;
  /** Canonical answer key, null when unparsed. */
  answer: string | null;
  /** Remark turns: their kind and the (canonical) answer the partner was asked to back or argue for. */
  remark?: { kind: "supportive" | "adversarial"; claim: string };
}

export interface Discussion {
  questionId: string;
  /** Canonical key of the reference the remarks were built on; null when there was none (no discussion). */
  reference: string | null;
  /** The worked gold solution (reference "gold"); absent when the run has no gold. */
  goldSolution?: string;
  /** Learner turns (rounds 1..R+1) and remark turns (rounds 1..R), in discussion order. */
  turns: DiscussionTurn[];
}

export type SaieTarget = "gold" | "own";

/** Earlier assistant messages are context the learner reads, not text to learn again. */
const contextOnly = (prompt: readonly ChatMessage[]): ChatMessage[] =>
  prompt.map((m) => (m.role === "assistant" ? { ...m, weight: 0 as const } : m));

/** The discussion's turns in the order spoken: learner r, remark r, learner r + 1, … */
export function discussionOrder(turns: readonly DiscussionTurn[]): DiscussionTurn[] {
  return [...turns].sort((a, b) => a.round - b.round || (a.role === b.role ? 0 : a.role === "learner" ? -1 : 1));
}

export function saieDiscussionData(discussions: readonly Discussion[], target: SaieTarget): BuiltDataset {
  const rows: DatasetRow[] = [];
  let learnerTurns = 0,
    supportive = 0,
    adversarial = 0,
    onClaim = 0,
    noReference = 0,
    finalRight = 0;
  for (const d of discussions) {
    if (d.reference === null) {
      noReference++;
      continue;
    }
    if (target === "gold" && d.goldSolution === undefined)
      throw new Error(`saie data: question ${d.questionId} has no gold solution (use reference "majority" without gold)`);
    const ordered = discussionOrder(d.turns);
    const seen: string[] = [];
    let last: DiscussionTurn | undefined;
    for (const t of ordered) {
      seen.push(t.turnId);
      if (t.role === "partner") {
        if (t.remark?.kind === "supportive") supportive++;
        else adversarial++;
        if (t.remark && t.answer === t.remark.claim) onClaim++;
        continue;
      }
      learnerTurns++;
      last = t;
      if (target === "own" && t.answer !== d.reference) continue;
      rows.push({
        questionId: d.questionId,
        sourceTurnIds: [...seen],
        messages: [...contextOnly(t.prompt), { role: "assistant", content: target === "gold" ? d.goldSolution! : t.completion }],
      });
    }
    if (last && last.answer === d.reference) finalRight++;
  }
  const remarks = supportive + adversarial;
  return {
    kind: "saie",
    agent: 0,
    rows,
    info: {
      target,
      discussions: discussions.length,
      noReference,
      learnerTurns,
      rows: rows.length,
      supportive,
      adversarial,
      // How often the partner's own answer was the one it was asked to back or argue for (its remark held to its brief).
      partnerOnClaim: remarks ? onClaim / remarks : 0,
      // How often the learner ended on the reference answer.
      learnerFinalOnReference: discussions.length - noReference ? finalRight / (discussions.length - noReference) : 0,
    },
  };
}

/** Warm-up and standard fine-tuning: each question's generator chat answered by its worked gold solution. */
export function goldSolutionData(
  items: ReadonlyArray<{ questionId: string; prompt: ChatMessage[]; solution: string }>,
  kind: "warmup" | "gold",
): BuiltDataset {
  return {
    kind,
    agent: 0,
    rows: items.map((q) => ({
      questionId: q.questionId,
      sourceTurnIds: [],
      messages: [...q.prompt, { role: "assistant", content: q.solution }],
    })),
    info: { questions: items.length },
  };
}
