/** MALT: the generate → verify → refine tree protocol, its prompts and its credit assignment. */
export { maltProtocol, MALT_ROLES, MALT_DEPTH, type MaltRole, type MaltSettings } from "./tree.js";
export { generatorChat, verifierChat, refinerChat, type MaltPromptSource } from "./prompts.js";
export { assignCredit, ancestry, parentPath, type TreeNode, type ScoredNode, type ScoredTree } from "./credit.js";
