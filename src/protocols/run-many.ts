/**
 * Runs a protocol over many questions at once: `concurrency` questions are in flight together, so the
 * backend sees all their turns and can decode them in one batch. Results come back in input order;
 * `onOutcome` fires as each question completes (progress, live accuracy).
 */
import type { Question } from "../tasks/index.js";
import { openUnit, type EngineDeps, type TurnSummary } from "./turns.js";
import type { Protocol, Seat } from "./types.js";
import type { TieBreakRecord } from "./vote.js";

export interface UnitItem {
  question: Question;
  /** The question's row id in the store. */
  storeQuestionId: string;
}

export interface UnitOutcome {
  /** The stored unit's id (`debates.id`). */
  debateId: string;
  question: Question;
  finalAnswer: string | null;
  correct: boolean;
  votes: Record<string, number>;
  tieBreak: TieBreakRecord | null;
  /** Sorted by round, then the protocol's role order, then seat index, then node. */
  turns: TurnSummary[];
}

export interface RunManyOptions {
  concurrency: number;
  onOutcome?: (o: UnitOutcome, done: number) => void;
  promptsDir?: string;
  /** Once aborted, no new question starts (those in flight finish, their turns stored) and the call throws its reason. */
  signal?: AbortSignal;
}

/** One question through the protocol: open its unit, run, record the result. */
export async function runUnit(
  protocol: Protocol,
  item: UnitItem,
  seats: readonly Seat[],
  deps: EngineDeps,
  promptsDir?: string,
): Promise<UnitOutcome> {
  const q = item.question;
  const unit = await openUnit(protocol.name, q, item.storeQuestionId, deps);
  const result = await protocol.run({ question: q, task: deps.task, promptsDir }, seats, unit);
  await unit.finish(result);
  const order = (role: string) => protocol.roles.indexOf(role);
  const turns = [...unit.summaries].sort(
    (a, b) => a.round - b.round || order(a.role) - order(b.role) || a.index - b.index || (a.node ?? "").localeCompare(b.node ?? ""),
  );
  return {
    debateId: unit.unit.id,
    question: q,
    finalAnswer: result.finalAnswer,
    correct: deps.task.grade(result.finalAnswer, q.gold),
    votes: result.votes,
    tieBreak: result.tieBreak,
    turns,
  };
}

export async function runMany(
  protocol: Protocol,
  items: readonly UnitItem[],
  seats: readonly Seat[],
  deps: EngineDeps,
  run: RunManyOptions,
): Promise<UnitOutcome[]> {
  const out: UnitOutcome[] = new Array(items.length);
  let next = 0;
  let done = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      if (run.signal?.aborted) {
        failed ??= run.signal.reason ?? new Error("aborted");
        return;
      }
      const i = next++;
      try {
        out[i] = await runUnit(protocol, items[i]!, seats, deps, run.promptsDir);
      } catch (err) {
        failed ??= err; // stop taking new questions; in-flight ones finish (their turns are stored)
        return;
      }
      done++;
      run.onOutcome?.(out[i]!, done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(run.concurrency, items.length)) }, worker));
  if (failed !== undefined) throw failed;
  return out;
}
