/** The files of runs/<run-id>/: the resolved config, results.json, and one JSON line per question. */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DebateOutcome } from "../protocols/debate/index.js";

export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  renameSync(tmp, path);
}

export function questionLine(o: DebateOutcome): string {
  return JSON.stringify({
    qid: o.question.id,
    gold: o.question.gold,
    final_answer: o.finalAnswer,
    correct: o.correct,
    votes: o.votes,
    tie_break: o.tieBreak,
    debate_id: o.debateId,
    turns: o.turns.map((t) => ({
      round: t.round, role: t.role, index: t.index, answer: t.answer, parse_status: t.parseStatus,
      prompt_tokens: t.promptTokens, completion_tokens: t.completionTokens,
    })),
  });
}

export function writeEvalDir(dir: string, files: { config: unknown; results: unknown; outcomes: readonly DebateOutcome[] }): void {
  mkdirSync(dir, { recursive: true });
  writeJsonAtomic(join(dir, "config.json"), files.config);
  const tmp = join(dir, `questions.jsonl.tmp-${process.pid}`);
  writeFileSync(tmp, files.outcomes.map((o) => questionLine(o) + "\n").join(""));
  renameSync(tmp, join(dir, "questions.jsonl"));
  writeJsonAtomic(join(dir, "results.json"), files.results);
}
