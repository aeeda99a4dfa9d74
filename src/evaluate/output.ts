/** The files of runs/<run-id>/: the resolved config, results.json, and one JSON line per question. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import type { DebateOutcome } from "../protocols/debate/index.js";

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
      round: t.round,
      role: t.role,
      index: t.index,
      answer: t.answer,
      parse_status: t.parseStatus,
      prompt_tokens: t.promptTokens,
      completion_tokens: t.completionTokens,
    })),
  });
}

export function writeEvalDir(dir: string, files: { config: unknown; results: unknown; outcomes: readonly DebateOutcome[] }): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic.sync(join(dir, "config.json"), JSON.stringify(files.config, null, 2) + "\n");
  writeFileAtomic.sync(join(dir, "questions.jsonl"), files.outcomes.map((o) => questionLine(o) + "\n").join(""));
  writeFileAtomic.sync(join(dir, "results.json"), JSON.stringify(files.results, null, 2) + "\n");
}
