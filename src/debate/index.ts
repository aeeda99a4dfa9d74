/** The debate protocol: roster, prompts, seeds, vote, and the resumable engine. */
export { debateRoster, speaker, summarizerFor, countSpeakers, type AgentSpec, type DebateRole, type RosterOptions } from "./agents.js";
export { deriveSeed, seededUnit, questionKey, type SeedKey } from "./seed.js";
export { majorityVote, TIE_RULE, type Ballot, type VoteResult, type TieBreakRecord } from "./vote.js";
export { generatorChat, criticChat, summarizerChat, otherResponses, type PromptSource } from "./prompts.js";
export { runDebate, ensureAgents, agentLabel, type DebateOptions, type DebateDeps, type DebateScope, type DebateOutcome, type TurnSummary, type SamplingOptions } from "./debate.js";
export { runDebates, type DebateItem } from "./run-many.js";
