/**
 * The turn engine: the one place a turn is produced. A turn is read back if the store has it, else
 * generated with a seed derived from (run seed, protocol scope, question, node path or round, role:seat)
 * and saved in one transaction the moment it is complete. A protocol only asks for turns (types.ts), so
 * every protocol resumes where it stopped — a killed run re-reads what it has and generates only the
 * rest, with the same seeds, hence the same text — and nothing is ever generated twice.
 */
import type { Backend } from "../backends/types.js";
import type { Debate, Phase, Store, Turn } from "../store/index.js";
import type { Question, Task } from "../tasks/index.js";
import { turnSeedV1 } from "../util/seed.js";
import { questionKey } from "./seed.js";
import { seatLabel, type ProtocolResult, type SamplingOptions, type Seat, type TurnRecord, type TurnRequest, type Turns } from "./types.js";

/** Where a protocol's units are stored: one per question at (run, method, iteration, phase). */
export interface UnitScope {
  runId: string;
  method: string;
  iteration: number;
  phase: Phase;
}

export interface EngineDeps {
  backend: Backend;
  store: Store;
  task: Task;
  scope: UnitScope;
  /** Store agent ids by `role:index` (see rosterAgentIds). */
  agentIds: ReadonlyMap<string, string>;
  sampling: SamplingOptions;
  runSeed: number;
  /** Names the protocol and unit of work in every seed (see seed.ts). Default "". */
  seedScope?: string;
  /** Recorded in every turn this process generates (e.g. which worker generated it). */
  turnMeta?: Record<string, unknown>;
}

export interface TurnSummary {
  round: number;
  role: string;
  index: number;
  /** Tree turns only: the node path. */
  node?: string;
  answer: string | null;
  parseStatus: Turn["parseStatus"];
  promptTokens: number;
  completionTokens: number;
  /** True when this process generated it (false: read back from the store). */
  fresh: boolean;
}

/** One question's stored unit, as the engine serves it to a protocol. */
export interface StoredUnit extends Turns {
  readonly unit: Debate;
  /** Every turn taken so far, in the order taken. */
  readonly summaries: TurnSummary[];
  /** Records the protocol's result and closes the unit (a unit already closed keeps its result). */
  finish(result: ProtocolResult): Promise<void>;
}

/** The store ids of a method's seats by `role:index`, creating their rows as needed (methods' `ensureAgents` also registers base versions). */
export async function rosterAgentIds(
  store: Store,
  runId: string,
  method: string,
  seats: readonly Pick<Seat, "role" | "index">[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const s of seats) {
    const row = await store.agents.getOrCreate({ runId, method, role: s.role, agentIndex: s.index });
    ids.set(seatLabel(s), row.id);
  }
  return ids;
}

/** Opens (or resumes) the unit of question `q` for `protocol`, with its stored turns loaded. */
export async function openUnit(protocol: string, q: Question, storeQuestionId: string, deps: EngineDeps): Promise<StoredUnit> {
  const { backend, store, task } = deps;
  const unit = await store.debates.getOrCreate({ ...deps.scope, questionId: storeQuestionId, protocol });
  if (unit.protocol !== protocol) {
    throw new Error(
      `${deps.scope.method} it${deps.scope.iteration} ${deps.scope.phase}: question ${q.id} is stored as a ${unit.protocol} unit, not ${protocol} (two methods share one store key)`,
    );
  }
  const key = (agentId: string, round: number, node: string) => `${agentId}|${round}|${node}`;
  const stored = new Map((await store.turns.list(unit.id)).map((t) => [key(t.agentId, t.round, t.node), t]));
  const qKey = questionKey(q);
  const summaries: TurnSummary[] = [];
  const seed = (label: string, position: number | string) =>
    turnSeedV1({
      runSeed: deps.runSeed,
      scope: deps.seedScope,
      questionKey: qKey,
      agent: label,
      ...(typeof position === "number" ? { round: position } : { node: position }),
    });

  const take = async (req: TurnRequest): Promise<TurnRecord> => {
    const label = seatLabel(req.seat);
    const agentId = deps.agentIds.get(label);
    if (!agentId) throw new Error(`${protocol}: seat ${label} has no store row (call rosterAgentIds)`);
    const node = req.node ?? "";
    const hit = stored.get(key(agentId, req.round, node));
    let row: Turn;
    if (hit) row = hit;
    else {
      const s = turnSeedV1({ runSeed: deps.runSeed, scope: deps.seedScope, questionKey: qKey, agent: label, round: req.round, node });
      const g = await backend.generate(req.seat.model, req.prompt, { ...deps.sampling, seed: s });
      const ex = req.parse ? task.extract(g.text) : { answer: null, status: "unparsed" as const };
      row = await store.turns.insert({
        debateId: unit.id,
        agentId,
        round: req.round,
        node,
        parentId: req.parent?.id ?? null,
        modelVersionId: req.seat.modelVersionId ?? null,
        prompt: req.prompt,
        completion: g.text,
        parsedAnswer: ex.answer,
        parseStatus: ex.status,
        promptTokens: g.promptTokens,
        completionTokens: g.completionTokens,
        latencyMs: g.latencyMs,
        seed: s,
        meta: { finishReason: g.finishReason, ...(g.endpoint ? { endpoint: g.endpoint } : {}), ...deps.turnMeta, ...req.meta },
      });
    }
    summaries.push({
      round: req.round,
      role: req.seat.role,
      index: req.seat.index,
      ...(node ? { node } : {}),
      answer: row.parsedAnswer,
      parseStatus: row.parseStatus,
      promptTokens: row.promptTokens,
      completionTokens: row.completionTokens,
      fresh: !hit,
    });
    return row;
  };

  return {
    unit,
    summaries,
    take,
    seed,
    async finish(r) {
      if (unit.status !== "done") await store.debates.finish(unit.id, { finalAnswer: r.finalAnswer, votes: r.votes, tieBreak: r.tieBreak });
    },
  };
}

/** Like Promise.all, but waits for every turn in flight before failing, so each finished turn is stored. */
export async function allOrFirstError<T>(ps: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(ps);
  const bad = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (bad) throw bad.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
