/**
 * A chunk of one debate request as a queue unit: a slice of its questions, debated on a worker with that
 * machine's backend. Turns are stored as they complete and their seeds derive from the run, phase,
 * iteration, question, agent and round, not from who generates them, so a chunk done on any worker (or
 * twice, or half by a killed worker and half by the next) stores the very turns one process would. The
 * coordinator then runs the whole request locally, which only reads the stored turns back.
 *
 * The unit carries what a worker cannot look up: the request (data only; its questions inline) and the
 * agents' model files as artifacts by sha256. The run's resolved config comes from the store.
 */
import { hostname } from "node:os";
import { backendSpec } from "../backends/spec.js";
import type { ArtifactStore } from "../artifacts/index.js";
import { createRoutedBackend, type AgentModel, type Backend, type BackendSpec } from "../backends/index.js";
import type { RunConfig } from "../config/schema.js";
import { UserError } from "../errors.js";
import { debatePort, type GenerationCost } from "../methods/debate-adapter.js";
import type { DebateRequest } from "../methods/debate-port.js";
import type { StoredQuestion } from "../methods/stored-question.js";
import type { Store } from "../store/index.js";
import { getTask } from "../tasks/index.js";
import type { UnitRef } from "./await-unit.js";

/** Questions per debate unit unless `--debate-chunk` says otherwise. */
export const DEFAULT_DEBATE_CHUNK = 8;

/** An agent's model as it travels: local GGUF files by sha256 (fetched and verified by the worker); remote model ids as they are. */
export interface PortableModel {
  base: string | { sha256: string };
  adapter?: { sha256: string };
  backend?: string;
}

export type PortableDebateRequest = Omit<DebateRequest, "generators" | "critics"> & {
  generators: PortableModel[];
  critics: PortableModel[];
};

export interface DebateUnit extends UnitRef {
  request: PortableDebateRequest;
  /** The run's base model (the summarizer). */
  base: PortableModel;
  /** The run's extra backend routes (agent_models), by name. */
  routes: Array<[string, BackendSpec]>;
}

export interface DebateUnitResult {
  seconds: number;
  /** What generating the chunk's fresh turns cost the worker; the coordinator adds it to the run's gen_* metrics. */
  cost?: GenerationCost;
}

/** The request's questions in chunks of `size`, each under its ledger key (stable for the same request and size). */
export function debateChunks(
  req: Pick<DebateRequest, "method" | "iteration" | "phase" | "questions">,
  size: number,
): Array<{ key: string; questions: StoredQuestion[] }> {
  if (!Number.isInteger(size) || size < 1) throw new UserError(`--debate-chunk: a whole number ≥ 1, got ${size}`);
  const out: Array<{ key: string; questions: StoredQuestion[] }> = [];
  for (let i = 0; i < req.questions.length; i += size) {
    const questions = req.questions.slice(i, i + size);
    // Named by its first question and its length: another chunk size makes other units, never a unit that covers less than its key says.
    out.push({ key: `queue/debate/${req.method}/it${req.iteration}/${req.phase}/${questions[0]!.id}+${questions.length}`, questions });
  }
  return out;
}

/** One backend per distinct setting, open for the worker's life (loading a model per chunk would cost more than the chunk). */
export function backendCache(threads?: number) {
  const open = new Map<string, Promise<Backend>>();
  return {
    get(config: RunConfig, routes: Array<[string, BackendSpec]>): Promise<Backend> {
      const main = backendSpec(config, { threads });
      const k = JSON.stringify([main, routes]);
      let b = open.get(k);
      if (!b) {
        open.set(k, (b = createRoutedBackend(main, new Map(routes))));
        b.catch(() => open.delete(k));
      }
      return b;
    },
    async close(): Promise<void> {
      for (const b of open.values()) await (await b.catch(() => undefined))?.close();
      open.clear();
    },
  };
}
export type BackendCache = ReturnType<typeof backendCache>;

export interface DebateWorkerParts {
  store: Store;
  artifacts: ArtifactStore;
  backends: BackendCache;
}

export async function runDebateUnit(u: DebateUnit, w: DebateWorkerParts, signal?: AbortSignal): Promise<DebateUnitResult> {
  const done = await w.store.units.get(u.runId, u.key);
  if (done?.status === "done") return done.result as DebateUnitResult;
  const run = await w.store.runs.get(u.runId);
  if (!run) throw new UserError(`debate unit ${u.key}: run ${u.runId} is not in ${w.store.location}`);
  const config = run.config as RunConfig;
  const t0 = performance.now();
  const local = async (m: PortableModel): Promise<AgentModel> => ({
    base: typeof m.base === "string" ? m.base : await w.artifacts.get(m.base.sha256, ".gguf"),
    ...(m.adapter ? { adapter: await w.artifacts.get(m.adapter.sha256, ".gguf") } : {}),
    ...(m.backend ? { backend: m.backend } : {}),
  });
  const { generators, critics, ...rest } = u.request;
  const request: DebateRequest = {
    ...rest,
    generators: await Promise.all(generators.map(local)),
    critics: await Promise.all(critics.map(local)),
  };
  let cost: GenerationCost | undefined;
  const port = debatePort({
    store: w.store,
    backend: await w.backends.get(config, u.routes),
    task: getTask(config.task.name, config.task.options),
    runId: u.runId,
    config,
    seed: run.seed,
    base: await local(u.base),
    recordCost: async (_r, c) => void (cost = c),
    turnMeta: { worker: `${process.pid}@${hostname()}` },
    signal,
  });
  await port.run(request);
  const row = await w.store.units.markDone(u.runId, u.key, {
    seconds: (performance.now() - t0) / 1000,
    ...(cost ? { cost } : {}),
  } satisfies DebateUnitResult);
  return row.result as DebateUnitResult;
}

/** An agent's model as a unit carries it; local files go to the artifact store. */
export async function portableModel(
  m: AgentModel,
  put: (path: string) => Promise<string>,
  isFile: (p: string) => boolean,
): Promise<PortableModel> {
  return {
    base: isFile(m.base) ? { sha256: await put(m.base) } : m.base,
    ...(m.adapter ? { adapter: { sha256: await put(m.adapter) } } : {}),
    ...(m.backend ? { backend: m.backend } : {}),
  };
}
