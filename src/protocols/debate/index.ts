/** The debate protocol: roster, prompts, and its entry points over the turn engine. */
export {
  debateRoster,
  speaker,
  summarizerFor,
  countSpeakers,
  DEBATE_ROLES,
  type AgentSpec,
  type DebateRole,
  type RosterOptions,
} from "./roster.js";
export { generatorChat, criticChat, summarizerChat, otherResponses, type PromptSource } from "./prompts.js";
export {
  debateProtocol,
  runDebate,
  runDebates,
  type DebateSettings,
  type DebateOptions,
  type DebateDeps,
  type DebateScope,
  type DebateOutcome,
  type DebateItem,
  type TurnSummary,
} from "./debate.js";
