/**
 * The chats MALT's three roles see, rendered from `prompts/malt/<task>/<role>.md` (falling back to
 * `prompts/malt/default/<role>.md`). The generator is asked the question. The verifier and the refiner
 * continue the generator's exchange — its question and its answer — with their own request: the
 * verifier's asks for a critique of that answer, the refiner's shows the critique and asks for the
 * corrected answer. So each role reads the question and exactly what it should build on, and a role's
 * training row is its chat plus what it said (the generator's answer in it as context only).
 */
import type { ChatMessage } from "../../backends/types.js";
import type { PromptSource } from "../debate/prompts.js";
import { continuedChat, renderProtocolPrompt } from "../protocol-prompts.js";

/** The task's template folder name (falling back to prompts/malt/default), its variables, another prompts/ folder. */
export type MaltPromptSource = PromptSource;

export function generatorChat(p: MaltPromptSource): ChatMessage[] {
  return [{ role: "user", content: renderProtocolPrompt("malt", p, "generator") }];
}

/** The generator's exchange (question, answer), then the verifier's request (`{{answer}}` is the answer again). */
export function verifierChat(p: MaltPromptSource, answer: string): ChatMessage[] {
  return continuedChat(generatorChat(p), answer, renderProtocolPrompt("malt", p, "verifier", { answer }));
}

/** The generator's exchange (question, answer), then the refiner's request showing the critique. */
export function refinerChat(p: MaltPromptSource, answer: string, critique: string): ChatMessage[] {
  return continuedChat(generatorChat(p), answer, renderProtocolPrompt("malt", p, "refiner", { answer, critique }));
}
