/**
 * The precondition checks of one base model under one run config: the config's held-out (test) questions,
 * its train questions for the gold rows, its agents, rounds, sampling and training budget. Used by
 * `society model check` (any local GGUF) and `society model tiny` (the embedded model, cached beside it).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { readGgufFileInfo } from "node-llama-cpp";
import { createBackend, type AgentModel } from "../backends/index.js";
import type { RunConfig } from "../config/schema.js";
import { UserError } from "../errors.js";
import { backendSpec } from "../backends/spec.js";
import { stableJson } from "../util/stable-json.js";
import { getTask, type Question } from "../tasks/index.js";
import { checkPreconditions, formatChecks, type CheckFigures } from "./check.js";

/** Bump when what the checks measure changes (the cache of tiny-model checks is keyed on it). */
export const CHECK_VERSION = "checks-v1";

export interface ConfigCheckOptions {
  config: RunConfig;
  model: AgentModel;
  log?: (line: string) => void;
}

/** The parts of a run config the checks depend on (their cache key). */
export function checkRelevant(config: RunConfig) {
  const { agents, rounds, seed, task, training } = config;
  const { temperature, top_p, max_tokens } = config.debate;
  return {
    CHECK_VERSION,
    agents,
    rounds,
    seed,
    task,
    training: { ...training, threads: undefined },
    chatTemplate: config.model.chat_template,
    debate: { temperature, top_p, max_tokens },
  };
}

/** The questions a run of this config would use (arithmetic questions are drawn with the run's seed). */
async function questionsOf(config: RunConfig, split: "train" | "test"): Promise<Question[]> {
  const task = getTask(config.task.name, config.task.options);
  const s = config.task[split];
  return task.questions(split, {
    limit: s.limit,
    offset: s.offset,
    path: s.path,
    seed: config.task.name === "arithmetic" ? config.seed : undefined,
  });
}

/** Gold in the model's own format: the tiny model's solution orders when the GGUF is one, else the task's. */
async function goldWriter(config: RunConfig, modelPath: string): Promise<(q: Question) => string> {
  const task = getTask(config.task.name, config.task.options);
  const info = await readGgufFileInfo(modelPath, { readTensorInfo: false });
  const recipe = (info.metadata as Record<string, unknown>)["society"] as { tiny?: { recipe?: string } } | undefined;
  if (config.task.name === "arithmetic" && typeof recipe?.tiny?.recipe === "string") {
    const { goldSolutions } = await import("../models/tiny/corpus.js");
    const corpus = (JSON.parse(recipe.tiny.recipe) as { corpus?: import("../models/tiny/corpus.js").CorpusSpec }).corpus;
    return goldSolutions(corpus?.world);
  }
  return (q) => task.goldSolution(q);
}

export async function checkForConfig(o: ConfigCheckOptions): Promise<CheckFigures> {
  const { config } = o;
  if (config.model.backend !== "llama" || config.training.trainer !== "local") {
    throw new UserError(
      "model check: the gold-gain check trains a LoRA locally; it needs model.backend: llama and training.trainer: local",
    );
  }
  if (!existsSync(o.model.base)) throw new UserError(`model check: GGUF file not found: ${o.model.base}`);
  const [train, test] = [await questionsOf(config, "train"), await questionsOf(config, "test")];
  const backend = await createBackend(backendSpec(config));
  const { ggmlTrainer } = await import("../training/ggml/index.js");
  try {
    return await checkPreconditions({
      model: o.model,
      backend,
      trainer: ggmlTrainer,
      task: getTask(config.task.name, config.task.options),
      train,
      test,
      goldSolution: await goldWriter(config, o.model.base),
      config,
      seed: config.seed,
      log: o.log,
    });
  } finally {
    await backend.close();
  }
}

/**
 * Checks cached in a file keyed by the model's sha256 and the config's relevant parts: the same model
 * and config are measured once. Returns the figures and whether they were read from the cache.
 */
export async function cachedCheck(
  o: ConfigCheckOptions & { modelSha256: string; cachePrefix: string },
): Promise<{ figures: CheckFigures; lines: string[]; path: string; cached: boolean }> {
  const key = createHash("sha256")
    .update(stableJson({ model: o.modelSha256, ...checkRelevant(o.config) }))
    .digest("hex")
    .slice(0, 12);
  const path = `${o.cachePrefix}.check-${key}.json`;
  if (existsSync(path)) {
    try {
      const figures = JSON.parse(readFileSync(path, "utf8")) as CheckFigures;
      return { figures, lines: formatChecks(figures), path, cached: true };
    } catch {
      /* unreadable: measure again */
    }
  }
  const figures = await checkForConfig(o);
  writeFileSync(`${path}.tmp`, JSON.stringify(figures, null, 2));
  renameSync(`${path}.tmp`, path);
  return { figures, lines: formatChecks(figures), path, cached: false };
}
