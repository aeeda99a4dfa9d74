/** The chat each speaker sees, built from the prompts/ templates (no prompt text lives in code). */
import type { ChatMessage } from "../../backends/types.js";
import { renderPrompt } from "../../prompts/templates.js";

export interface PromptSource {
  /** Template folder name (the task's name; falls back to prompts/default). */
  task: string;
  /** The task's variables for this question ({question, …}). */
  vars: Record<string, string>;
  /** Another prompts/ folder (tests, experiments). */
  dir?: string;
}

/** Round 1: the generator's question (`role` picks another round-1 template, e.g. "star-hint"). */
export function generatorChat(p: PromptSource, role: string = "generator"): ChatMessage[] {
  return [{ role: "user", content: renderPrompt(p.task, role, p.vars, p.dir) }];
}

/** The other agents' previous answers, each rendered by the other-response template (index is 1-based agent number). */
export function otherResponses(p: PromptSource, others: ReadonlyArray<{ n: number; text: string }>): string {
  return others.map((o) => renderPrompt(p.task, "other-response", { ...p.vars, index: o.n + 1, response: o.text }, p.dir)).join("");
}

/** What the summarizer is asked: condense the others' answers for one critic. */
export function summarizerChat(p: PromptSource, others: ReadonlyArray<{ n: number; text: string }>): ChatMessage[] {
  return [{ role: "user", content: renderPrompt(p.task, "summarizer", { ...p.vars, other_responses: otherResponses(p, others) }, p.dir) }];
}

/**
 * Round r ≥ 2: the critic's own earlier exchange (its previous prompt and answer), then the new request
 * with either the summary of the others' answers or the answers themselves.
 */
export function criticChat(
  p: PromptSource,
  previous: { prompt: readonly ChatMessage[]; completion: string },
  input: { summary: string } | { others: ReadonlyArray<{ n: number; text: string }> },
): ChatMessage[] {
  const request =
    "summary" in input
      ? renderPrompt(p.task, "critic-summary", { ...p.vars, summary: input.summary }, p.dir)
      : renderPrompt(p.task, "critic", { ...p.vars, other_responses: otherResponses(p, input.others) }, p.dir);
  return [...previous.prompt, { role: "assistant", content: previous.completion }, { role: "user", content: request }];
}
