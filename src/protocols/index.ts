/** Protocols: the turn engine, the Protocol seam, seeds and votes, and the protocols themselves (debate/, malt/). */
export type { Protocol, ProtocolInput, ProtocolResult, Seat, SamplingOptions, TurnRecord, TurnRequest, Turns } from "./types.js";
export { seatOf, seatLabel } from "./types.js";
export { openUnit, rosterAgentIds, allOrFirstError, type EngineDeps, type UnitScope, type StoredUnit, type TurnSummary } from "./turns.js";
export { runMany, runUnit, type UnitItem, type UnitOutcome, type RunManyOptions } from "./run-many.js";
export { questionKey } from "./seed.js";
export { majorityVote, TIE_RULE, type Ballot, type VoteResult, type TieBreakRecord } from "./vote.js";
