/**
 * Where served models come from: `--model` specs (GGUF files, or the tiny model) and a run's agents
 * (`--run`: every model version of every agent, plus the society of a method's newest agents).
 */
import { basename, extname, resolve } from "node:path";
import type { AgentModel } from "../backends/types.js";
import type { RunConfig } from "../config/schema.js";
import { UserError } from "../errors.js";
import { readGgufHeader } from "../formats/gguf-header.js";
import type { ModelVersion, Store } from "../store/index.js";
import { getTask } from "../tasks/index.js";
import type { SocietySpec } from "./society-model.js";

export interface ModelSpec {
  id: string;
  model: AgentModel;
}

/**
 * `tiny` or `tiny:<recipe>` (served as "tiny"), a GGUF path (served as its file name without .gguf),
 * or `<id>=<either>`.
 */
export async function resolveModelSpec(spec: string, log: (l: string) => void = () => {}): Promise<ModelSpec> {
  const eq = spec.indexOf("=");
  const named = eq > 0 ? spec.slice(0, eq) : undefined;
  const what = eq > 0 ? spec.slice(eq + 1) : spec;
  const tiny = /^tiny(?::(\w+))?$/.exec(what);
  if (tiny) {
    const { ensureTinyModel } = await import("../models/tiny/cache.js");
    const { RECIPES } = await import("../models/tiny/recipe.js");
    const recipe = tiny[1] ?? "default";
    if (!(recipe in RECIPES))
      throw new UserError(`--model ${spec}: unknown tiny recipe "${recipe}" (known: ${Object.keys(RECIPES).join(", ")})`);
    const info = await ensureTinyModel(recipe as keyof typeof RECIPES, { progress: (l) => log(`  ${l}`) });
    return { id: named ?? "tiny", model: { base: info.path } };
  }
  const path = resolve(what);
  readGgufHeader(path, `--model ${spec}`);
  return { id: named ?? basename(path, extname(path)), model: { base: path } };
}

export interface RunModels {
  models: ModelSpec[];
  society?: SocietySpec;
  /** The chat template the run rendered with (its recorded day included); runs stored before it existed: none. */
  chatTemplate?: RunConfig["model"]["chat_template"];
}

const SOCIETY_METHODS = ["multiagent-ft", "multiagent-ft-no-summary", "multiagent-ft-no-critic"];

/** Every agent version of a run as `<method>/<role><index>/it<l>`, and the society of `method`'s newest agents. */
export async function runModels(
  store: Store,
  runId: string,
  method: string | undefined,
  log: (l: string) => void = () => {},
): Promise<RunModels> {
  const run = await store.runs.get(runId);
  if (!run) throw new UserError(`--run ${runId}: no such run in ${store.location}`);
  const config = run.config as RunConfig;
  if (config.model.backend !== "llama")
    throw new UserError(
      `--run ${runId}: its agents are remote models (model.backend: ${config.model.backend}); serve runs trained locally`,
    );
  const { resolveBaseModel } = await import("../models/resolve.js");
  const base = await resolveBaseModel(config, log);
  const asModel = (v: ModelVersion): AgentModel | undefined =>
    v.kind === "lora"
      ? { base: base.base, adapter: v.path! }
      : v.kind === "full"
        ? { base: v.path! }
        : v.kind === "base"
          ? base
          : undefined;

  const models: ModelSpec[] = [{ id: config.model.base === "tiny" ? "tiny" : basename(base.base, extname(base.base)), model: base }];
  const agents = await store.agents.list(runId);
  const newest = new Map<string, AgentModel>();
  for (const a of agents) {
    for (const v of await store.modelVersions.list(a.id)) {
      const m = asModel(v);
      if (!m || v.kind === "base") continue;
      models.push({ id: `${a.method}/${a.role}${a.agentIndex}/it${v.iteration}`, model: m });
    }
    const latest = await store.modelVersions.latest(a.id);
    const m = latest && asModel(latest);
    if (m) newest.set(`${a.method}/${a.role}/${a.agentIndex}`, m);
  }

  // Stored before templates were configurable: the run rendered with node-llama-cpp's wrapper choice.
  const chatTemplate = config.model.chat_template ?? { source: "auto", variables: {} };
  const chosen = method ?? config.methods.find((m) => SOCIETY_METHODS.includes(m) && agents.some((a) => a.method === m));
  if (!chosen) return { models, chatTemplate };
  const pick = (role: string) =>
    agents
      .filter((a) => a.method === chosen && a.role === role)
      .sort((x, y) => x.agentIndex - y.agentIndex)
      .map((a) => newest.get(`${chosen}/${role}/${a.agentIndex}`)!);
  const generators = pick("generator");
  if (generators.length === 0) throw new UserError(`--society-method ${chosen}: run ${runId} has no generator agents for it`);
  const critics = pick("critic");
  return {
    models,
    chatTemplate,
    society: {
      task: getTask(config.task.name, config.task.options),
      generators,
      critics: critics.length === generators.length ? critics : generators,
      summarizer: base,
      rounds: config.rounds,
      summarize: chosen !== "multiagent-ft-no-summary" && config.debate.summarize && config.rounds > 1,
      sampling: { temperature: config.debate.temperature, topP: config.debate.top_p, maxTokens: config.debate.max_tokens },
      describe: `run ${runId}, ${chosen}: ${generators.length} generators + ${critics.length} critics, newest versions`,
    },
  };
}
