/** SAIE: the learner ↔ partner discussion protocol and its prompts. */
export { saieProtocol, wrongClaim, SAIE_ROLES, type SaieRole, type SaieSettings, type RemarkMeta } from "./discussion.js";
export { learnerOpening, learnerReplyChat, partnerChat, type RemarkKind, type SaiePromptSource } from "./prompts.js";
