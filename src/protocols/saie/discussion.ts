/**
 * SAIE (Loem, Kaneko, Okazaki, "SAIE Framework: Support Alone Isn't Enough — Advancing LLM Training with
 * Adversarial Remarks", arXiv 2311.08107): a trainable learner discusses each question with a fixed
 * partner. One discussion of `rounds` rounds:
 *
 *   learner, round 1        answers the question (the task's generator prompt);
 *   partner, round r        remarks on the learner's latest answer: supportive (backs the reference
 *                           answer) with probability `supportiveShare`, else adversarial (argues for a
 *                           wrong answer: the learner's own answer when it is wrong, else a distractor);
 *   learner, round r + 1    answers again, reading the whole discussion so far;
 *
 * for r = 1..rounds. The final answer is the learner's last. The reference is the question's gold
 * answer, or (`reference: "majority"`, no gold) the majority of `referenceVotes` independent answers
 * by the partner (turns at round 1, nodes `reference.i`). Each remark's kind is a seeded draw per
 * (question, round), the same draw for every method of a run, so the ablations (share 1 or 0) and SAIE
 * differ only where their shares do. Each remark turn stores `{ remark, claim, reference }` in its meta:
 * what the learner's data builder and the report read back. See README.md for the choices the paper
 * leaves open.
 */
import type { Question, Task } from "../../tasks/index.js";
import { unitDrawV1 } from "../../util/seed.js";
import { seatOf, type Protocol, type TurnRecord } from "../types.js";
import { majorityVote } from "../vote.js";
import { learnerOpening, learnerReplyChat, partnerChat, type RemarkKind, type SaiePromptSource } from "./prompts.js";

export const SAIE_ROLES = ["learner", "partner"] as const;
export type SaieRole = (typeof SAIE_ROLES)[number];

export interface SaieSettings {
  /** Remark → reply exchanges after the learner's first answer. */
  rounds: number;
  /** Chance that a remark is supportive (1: supportive only, 0: adversarial only). */
  supportiveShare: number;
  reference: "gold" | "majority";
  /** reference "majority": the partner's independent answers voted on. */
  referenceVotes?: number;
}

/** What a remark turn stores in its meta. */
export interface RemarkMeta {
  remark: RemarkKind;
  /** The answer the partner was asked to back (supportive: the reference) or to argue for (adversarial). */
  claim: string;
  reference: string;
}

export function saieProtocol(o: SaieSettings): Protocol {
  if (!Number.isInteger(o.rounds) || o.rounds < 1) throw new Error(`saie: rounds must be a positive integer, got ${o.rounds}`);
  if (!(o.supportiveShare >= 0 && o.supportiveShare <= 1))
    throw new Error(`saie: supportiveShare must be in [0, 1], got ${o.supportiveShare}`);
  const votes = o.referenceVotes ?? 3;
  return {
    name: "saie",
    roles: SAIE_ROLES,
    async run({ question, task, promptsDir }, seats, turns) {
      const L = seatOf(seats, "learner", 0, "saie"),
        P = seatOf(seats, "partner", 0, "saie");
      const src: SaiePromptSource = { task: task.prompts ?? task.name, vars: task.promptVars(question), dir: promptsDir };
      let reference: string | null = question.gold;
      if (o.reference === "majority") {
        const ballots = await Promise.all(
          Array.from({ length: votes }, (_, i) =>
            turns.take({
              seat: P,
              round: 1,
              node: `reference.${i}`,
              prompt: learnerOpening(src),
              parse: true,
              meta: { referenceBallot: i },
            }),
          ),
        );
        reference = majorityVote(
          ballots.map((t) => ({ answer: t.parsedAnswer })),
          (a) => task.canonical(a),
          turns.seed("reference", "vote"),
        ).answer;
      }
      let last: TurnRecord = await turns.take({ seat: L, round: 1, prompt: learnerOpening(src), parse: true });
      // No reference (nothing in the partner's ballots parsed): nothing to support or attack.
      if (reference !== null) {
        for (let r = 1; r <= o.rounds; r++) {
          const kind: RemarkKind = unitDrawV1(turns.seed("remark", r)) < o.supportiveShare ? "supportive" : "adversarial";
          const claim =
            kind === "supportive" ? reference : wrongClaim(task, question, reference, last.parsedAnswer, turns.seed("claim", r));
          const meta: RemarkMeta = { remark: kind, claim, reference };
          const remark = await turns.take({
            seat: P,
            round: r,
            parent: last,
            prompt: partnerChat(src, kind, last.completion, claim),
            parse: true,
            meta: { ...meta },
          });
          last = await turns.take({
            seat: L,
            round: r + 1,
            parent: remark,
            prompt: learnerReplyChat(src, last, remark.completion),
            parse: true,
          });
        }
      }
      const key = last.parsedAnswer === null ? null : task.canonical(last.parsedAnswer);
      return { finalAnswer: last.parsedAnswer, votes: key === null ? {} : { [key]: 1 }, tieBreak: null };
    },
  };
}

/**
 * The wrong answer an adversarial remark argues for: the learner's own answer when it is wrong (the
 * partner backs the mistake), else a distractor — another option label for a multiple-choice question,
 * the reference ± 1..3 for a number — and, for a free-form answer with neither, "not <reference>".
 */
export function wrongClaim(
  task: Pick<Task, "canonical">,
  q: Pick<Question, "meta">,
  reference: string,
  learner: string | null,
  seed: number,
): string {
  const ref = task.canonical(reference);
  if (learner !== null && task.canonical(learner) !== ref) return learner;
  const labels = Array.isArray(q.meta?.labels) ? (q.meta.labels as unknown[]).map(String) : null;
  if (labels && labels.length > 1) {
    const others = labels.filter((l) => task.canonical(l) !== ref);
    if (others.length) return others[Math.floor(unitDrawV1(seed) * others.length)]!;
  }
  const n = Number(reference.replace(/,/g, ""));
  if (reference.trim() !== "" && Number.isFinite(n)) {
    const offsets = [-3, -2, -1, 1, 2, 3];
    const d = offsets[Math.floor(unitDrawV1(seed) * offsets.length)]!;
    // Keep a non-negative reference's distractor non-negative (a negative count would be an easy tell).
    const v = n >= 0 && n + d < 0 ? n - d : n + d;
    return Number.isInteger(n) ? String(v) : String(Math.round(v * 1e6) / 1e6);
  }
  return `not ${reference}`;
}
