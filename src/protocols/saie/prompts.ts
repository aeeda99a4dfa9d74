/**
 * The chats SAIE's two roles see, from `prompts/saie/<task>/<role>.md` (falling back to
 * `prompts/saie/default/`). The learner opens with the task's own generator prompt (the one every
 * evaluation asks, so what the learner is trained on is what it is tested on), then each partner remark
 * reaches it as a new user message (`learner-reply`) after its previous answer: its chat is the whole
 * discussion so far. The partner reads the question, the learner's latest answer and the claim it is to
 * back (`partner-supportive`: the reference answer) or to argue for (`partner-adversarial`: a wrong one).
 */
import type { ChatMessage } from "../../backends/types.js";
import { generatorChat, type PromptSource } from "../debate/prompts.js";
import { continuedChat, renderProtocolPrompt } from "../protocol-prompts.js";

export type RemarkKind = "supportive" | "adversarial";

/** The task's prompts folder (its generator prompt) and saie/ template folder name, its variables, another prompts/ folder. */
export type SaiePromptSource = PromptSource;

/** The learner's opening chat: the task's generator prompt, exactly as a debate's round 1 asks it. */
export function learnerOpening(p: SaiePromptSource): ChatMessage[] {
  return generatorChat(p);
}

/** The learner's chat after a remark: its previous chat and answer, then the remark as the next user message. */
export function learnerReplyChat(
  p: SaiePromptSource,
  previous: { prompt: readonly ChatMessage[]; completion: string },
  remark: string,
): ChatMessage[] {
  return continuedChat(previous.prompt, previous.completion, renderProtocolPrompt("saie", p, "learner-reply", { remark }));
}

/** The partner's chat for one remark: the question, the learner's latest answer, and the claim to back or attack with. */
export function partnerChat(p: SaiePromptSource, kind: RemarkKind, answer: string, claim: string): ChatMessage[] {
  return [{ role: "user", content: renderProtocolPrompt("saie", p, `partner-${kind}`, { answer, claim }) }];
}
