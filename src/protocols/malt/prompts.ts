/**
 * The chats MALT's three roles see, rendered from `prompts/malt/<task>/<role>.md` (falling back to
 * `prompts/malt/default/<role>.md`). The generator is asked the question. The verifier and the refiner
 * continue the generator's exchange — its question and its answer — with their own request: the
 * verifier's asks for a critique of that answer, the refiner's shows the critique and asks for the
 * corrected answer. So each role reads the question and exactly what it should build on, and a role's
 * training row is its chat plus what it said (the generator's answer in it as context only).
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

export function generatorChat(p: MaltPromptSource): ChatMessage[] {
  return [{ role: "user", content: renderPrompt(p.task, "generator", p.vars, dirOf(p)) }];
}

/** The generator's exchange (question, answer), then the verifier's request (`{{answer}}` is the answer again). */
export function verifierChat(p: MaltPromptSource, answer: string): ChatMessage[] {
  return [
    ...generatorChat(p),
    { role: "assistant", content: answer },
    { role: "user", content: renderPrompt(p.task, "verifier", { ...p.vars, answer }, dirOf(p)) },
  ];
}

/** The generator's exchange (question, answer), then the refiner's request showing the critique. */
export function refinerChat(p: MaltPromptSource, answer: string, critique: string): ChatMessage[] {
  return [
    ...generatorChat(p),
    { role: "assistant", content: answer },
    { role: "user", content: renderPrompt(p.task, "refiner", { ...p.vars, answer, critique }, dirOf(p)) },
  ];
}
