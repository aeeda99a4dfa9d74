/**
 * The chats MALT's three roles see, rendered from `prompts/malt/<task>/<role>.md` (falling back to
 * `prompts/malt/default/<role>.md`): the generator gets the question; the verifier the question and one
 * generator answer; the refiner the question, that answer and one critique of it. Each is one user
 * message, so a role's training row is exactly the chat it was given plus what it said.
 */
import { join } from "node:path";
import type { ChatMessage } from "../../backends/types.js";
import { DEFAULT_PROMPTS_DIR, renderPrompt } from "../../prompts/templates.js";

export interface MaltPromptSource {
  /** Template folder name (the task's name; falls back to prompts/malt/default). */
  task: string;
  /** The task's variables for this question ({question, …}). */
  vars: Record<string, string>;
  /** Another prompts/ folder (its malt/ subfolder is read). */
  dir?: string;
}

const dirOf = (p: MaltPromptSource) => join(p.dir ?? DEFAULT_PROMPTS_DIR, "malt");
const user = (content: string): ChatMessage[] => [{ role: "user", content }];

export function generatorChat(p: MaltPromptSource): ChatMessage[] {
  return user(renderPrompt(p.task, "generator", p.vars, dirOf(p)));
}

export function verifierChat(p: MaltPromptSource, answer: string): ChatMessage[] {
  return user(renderPrompt(p.task, "verifier", { ...p.vars, answer }, dirOf(p)));
}

export function refinerChat(p: MaltPromptSource, answer: string, critique: string): ChatMessage[] {
  return user(renderPrompt(p.task, "refiner", { ...p.vars, answer, critique }, dirOf(p)));
}
