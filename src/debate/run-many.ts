/**
 * Debates many questions at once: `concurrency` debates are in flight together, so the backend sees
 * up to concurrency × N requests and can decode them in one batch. Results come back in input order;
 * `onOutcome` fires as each debate completes (progress, live accuracy).
 */
import type { Question } from "../tasks/index.js";
import { runDebate, type DebateDeps, type DebateOptions, type DebateOutcome } from "./debate.js";

export interface DebateItem {
  question: Question;
  /** The question's row id in the store. */
  storeQuestionId: string;
}

export async function runDebates(
  items: readonly DebateItem[],
  deps: DebateDeps,
  opts: DebateOptions,
  run: { concurrency: number; onOutcome?: (o: DebateOutcome, done: number) => void },
): Promise<DebateOutcome[]> {
  const out: DebateOutcome[] = new Array(items.length);
  let next = 0;
  let done = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        out[i] = await runDebate(items[i]!.question, items[i]!.storeQuestionId, deps, opts);
      } catch (err) {
        failed ??= err; // stop taking new questions; in-flight debates finish (their turns are stored)
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
