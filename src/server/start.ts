/**
 * Starts `society serve` in this process: loads the models, restores files and fine-tuning jobs from the
 * data folder, and listens. The CLI, the tests and the load bench all start the server through here.
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { LlamaBackend, type LlamaBackendOptions } from "../backends/llama/backend.js";
import { UserError } from "../errors.js";
import type { Store } from "../store/index.js";
import { getTask } from "../tasks/index.js";
import type { Trainer } from "../training/types.js";
import { assertSafeBinding } from "./auth.js";
import { FileStore } from "./files.js";
import { DEFAULT_FINE_TUNE, FineTuneQueue, type FineTuneDefaults } from "./job-queue.js";
import { DEFAULT_LIMITS, type ServeLimits } from "./limits.js";
import { listen, type RunningServer } from "./listen.js";
import { resolveModelSpec, runModels, type ModelSpec } from "./model-sources.js";
import { ModelRegistry } from "./model-registry.js";
import { allowedHostsFor, normalizeOrigin, type GuardOptions } from "./request-guard.js";
import { createServeApp } from "./serve-app.js";
import type { SocietySpec } from "./society-model.js";

export interface ServeOptions {
  /** Model specs (see resolveModelSpec): `tiny`, `tiny:test`, a GGUF path, `<id>=<spec>`. */
  models?: string[];
  /** Serve this run's agents (and its society) from `store`. */
  run?: { store: Store; runId: string; method?: string };
  /** The society when no run is given: N copies of one served model (default the first). */
  society?: {
    agents: number;
    rounds: number;
    summarize: boolean;
    task: string;
    model?: string;
    temperature: number;
    topP: number;
    maxTokens: number;
  };
  host?: string;
  /** Host header values allowed besides loopback names and the bound host ("*": any). */
  allowHosts?: string[];
  /** Browser origins allowed to call the API (CORS; "*": any). Default none. */
  allowOrigins?: string[];
  /** 0 = any free port. */
  port?: number;
  apiKey?: string;
  /** Named in the error when a non-loopback bind lacks a key. */
  apiKeyEnv?: string;
  /** Files, jobs and fine-tuned adapters. */
  dataDir: string;
  limits?: Partial<ServeLimits>;
  fineTune?: Partial<FineTuneDefaults>;
  llama?: LlamaBackendOptions;
  /** Default: the local ggml trainer. */
  trainer?: Trainer;
  log?: (line: string) => void;
}

export interface ServeHandle extends RunningServer {
  registry: ModelRegistry;
  queue: FineTuneQueue;
}

/** --society-agents / --society-rounds: whole numbers ≥ 1, and several agents when they debate. */
function checkSocietyShape(agents: number, rounds: number): void {
  if (!Number.isInteger(agents) || agents < 1) throw new UserError(`--society-agents must be a whole number ≥ 1 (got ${agents})`);
  if (!Number.isInteger(rounds) || rounds < 1) throw new UserError(`--society-rounds must be a whole number ≥ 1 (got ${rounds})`);
  if (rounds > 1 && agents < 2)
    throw new UserError(`--society-rounds ${rounds} needs --society-agents ≥ 2 (agents read each other's answers), or --society-rounds 1`);
}

function guardOptions(host: string, allowHosts: string[], allowOrigins: string[]): GuardOptions {
  const origins = allowOrigins.map((v) => {
    try {
      return normalizeOrigin(v);
    } catch (e) {
      throw new UserError(`--allow-origin ${v}: ${(e as Error).message}`);
    }
  });
  return { allowedHosts: allowedHostsFor(host, allowHosts), allowedOrigins: new Set(origins) };
}

export async function startServe(o: ServeOptions): Promise<ServeHandle> {
  const log = o.log ?? (() => {});
  const host = o.host ?? "127.0.0.1";
  assertSafeBinding(host, o.apiKey, o.apiKeyEnv ?? "SOCIETY_API_KEY");
  const guard = guardOptions(host, o.allowHosts ?? [], o.allowOrigins ?? []);
  if (o.society && !o.run) checkSocietyShape(o.society.agents, o.society.rounds);
  const specs: ModelSpec[] = [];
  let society: SocietySpec | undefined;
  let chatTemplate = o.llama?.chatTemplate;
  if (o.run) {
    const r = await runModels(o.run.store, o.run.runId, o.run.method, log);
    specs.push(...r.models);
    society = r.society;
    // A run's agents are served with the template (and day) they were trained with, unless told otherwise.
    chatTemplate ??= r.chatTemplate;
  }
  for (const s of o.models ?? []) specs.push(await resolveModelSpec(s, log));
  if (specs.length === 0) throw new UserError("nothing to serve: give --model (a GGUF path, tiny, tiny:test) or --run");
  const registry = new ModelRegistry();
  for (const s of specs) {
    if (registry.find(s.id)) throw new UserError(`two served models have the id "${s.id}": name one with --model <id>=<path>`);
    registry.add(s);
  }
  if (!society && o.society) {
    const id = o.society.model ?? specs[0]!.id;
    const served = registry.find(id);
    if (!served) throw new UserError(`--society-model ${id}: not a served model (served: ${registry.ids().join(", ")})`);
    const base = served.model;
    const n = o.society.agents;
    society = {
      task: getTask(o.society.task),
      generators: Array.from({ length: n }, () => base),
      critics: Array.from({ length: n }, () => base),
      summarizer: base,
      rounds: o.society.rounds,
      summarize: o.society.summarize && o.society.rounds > 1,
      sampling: { temperature: o.society.temperature, topP: o.society.topP, maxTokens: o.society.maxTokens },
      describe: `${n} copies of ${o.society.model ?? specs[0]!.id}, ${o.society.rounds} rounds, task ${o.society.task}`,
    };
  }

  const dataDir = resolve(o.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const backend = await LlamaBackend.create({ ...o.llama, chatTemplate });
  const files = new FileStore(dataDir, log);
  const trainer = o.trainer ?? (await import("../training/ggml/index.js")).ggmlTrainer;
  // Fine-tuning renders chats as the served models' prompts are rendered (same template, same pinned day).
  const queue = new FineTuneQueue(dataDir, {
    registry,
    files,
    trainer,
    defaults: { ...DEFAULT_FINE_TUNE, chatTemplate: backend.chatTemplate, ...o.fineTune },
    log,
  });
  queue.restore();
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  const app = createServeApp({ backend, registry, files, queue, limits, apiKey: o.apiKey, society, guard });
  let server: RunningServer;
  try {
    server = await listen(app, { hostname: host, port: o.port ?? 8080 });
  } catch (e) {
    await queue.close();
    await backend.close();
    const code = (e as { code?: string }).code;
    throw code === "EADDRINUSE" || code === "EACCES" ? new UserError(`cannot listen on ${host}:${o.port}: ${code}`) : e;
  }
  if (society) log(`society: ${society.describe}`);
  return {
    ...server,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${server.port}`, // IPv6 literals need brackets
    registry,
    queue,
    close: async () => {
      await server.close();
      await queue.close();
      await backend.close();
    },
  };
}
