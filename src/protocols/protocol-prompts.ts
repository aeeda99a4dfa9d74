/**
 * What the MALT and SAIE prompt builders share: each protocol keeps its templates in its own subfolder of
 * the prompts folder (`prompts/<protocol>/<task>/<role>.md`, falling back to `prompts/<protocol>/default/`),
 * and a later turn continues an earlier exchange — its chat and the reply to it — with one more request.
 */
import { join } from "node:path";
import type { ChatMessage } from "../backends/types.js";
import { DEFAULT_PROMPTS_DIR, renderPrompt } from "../prompts/templates.js";
import type { PromptSource } from "./debate/prompts.js";

/** A role's template of `protocol`, rendered with the question's variables plus `vars` (which win). */
export function renderProtocolPrompt(protocol: "malt" | "saie", p: PromptSource, role: string, vars: Record<string, string> = {}): string {
  return renderPrompt(p.task, role, { ...p.vars, ...vars }, join(p.dir ?? DEFAULT_PROMPTS_DIR, protocol));
}

/** The earlier chat, the reply it got, then the next user request. */
export function continuedChat(prompt: readonly ChatMessage[], reply: string, request: string): ChatMessage[] {
  return [...prompt, { role: "assistant", content: reply }, { role: "user", content: request }];
}
