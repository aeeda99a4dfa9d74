/**
 * The chats SAIE's two roles see, from `prompts/saie/<task>/<role>.md` (falling back to
 * `prompts/saie/default/`). The learner opens with the task's own generator prompt (the one every
 * evaluation asks, so what the learner is trained on is what it is tested on), then each partner remark
 * reaches it as a new user message (`learner-reply`) after its previous answer: its chat is the whole
 * discussion so far. The partner reads the question, the learner's latest answer and the claim it is to
 * back (`partner-supportive`: the reference answer) or to argue for (`partner-adversarial`: a wrong one).
 */
import { join } from "node:path";
import type { ChatMessage } from "../../backends/types.js";
import { DEFAULT_PROMPTS_DIR, renderPrompt } from "../../prompts/templates.js";
import { generatorChat } from "../debate/prompts.js";

export type RemarkKind = "supportive" | "adversarial";

export interface SaiePromptSource {
  /** The task's prompts folder (its generator prompt) and the saie/ template folder name. */
  task: string;
  vars: Record<string, string>;
  dir?: string;
}

const saieDir = (p: SaiePromptSource) => join(p.dir ?? DEFAULT_PROMPTS_DIR, "saie");

/** The learner's opening chat: the task's generator prompt, exactly as a debate's round 1 asks it. */
export function learnerOpening(p: SaiePromptSource): ChatMessage[] {
  return generatorChat({ task: p.task, vars: p.vars, dir: p.dir });
}

/** The learner's chat after a remark: its previous chat and answer, then the remark as the next user message. */
export function learnerReplyChat(
  p: SaiePromptSource,
  previous: { prompt: readonly ChatMessage[]; completion: string },
  remark: string,
): ChatMessage[] {
  return [
    ...previous.prompt,
    { role: "assistant", content: previous.completion },
    { role: "user", content: renderPrompt(p.task, "learner-reply", { ...p.vars, remark }, saieDir(p)) },
  ];
}

/** The partner's chat for one remark: the question, the learner's latest answer, and the claim to back or attack with. */
export function partnerChat(p: SaiePromptSource, kind: RemarkKind, answer: string, claim: string): ChatMessage[] {
  return [{ role: "user", content: renderPrompt(p.task, `partner-${kind}`, { ...p.vars, answer, claim }, saieDir(p)) }];
}
