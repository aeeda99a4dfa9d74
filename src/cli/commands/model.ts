import { fileURLToPath } from "node:url";
import type { CommandModule } from "yargs";
import { loadConfig } from "../../config/load.js";
import type { RunConfig } from "../../config/schema.js";
import { commandGroup } from "../command-group.js";
import { UserError } from "../../errors.js";
import { RECIPES } from "../../models/tiny/recipe.js";

/**
 * `society model tiny`: build (or reuse) the embedded default model from nothing, then measure the
 * lab's preconditions on it (cached beside the model). `society model check <model>`: the same checks
 * for any local GGUF under a run config.
 */

interface TinyArgs {
  recipe: string;
  seed: number;
  force: boolean;
  "out-dir"?: string;
  threads?: number;
  check?: boolean;
  config?: string;
}

interface CheckArgs {
  model: string;
  config?: string;
  recipe: string;
  seed?: number;
  "test-limit"?: number;
  "train-limit"?: number;
}

/** The README's main config: the loop whose budget and shape the checks measure by default. */
export const DEFAULT_CONFIG = fileURLToPath(new URL("../../../eval/configs/tiny-arithmetic.yaml", import.meta.url));

/** A config with the tiny recipe's operand range, the way `society run` fills it in. */
function configFor(path: string | undefined, maxValue: number | undefined, overrides: Record<string, unknown> = {}): RunConfig {
  const config = loadConfig(path ?? DEFAULT_CONFIG, overrides);
  if (
    maxValue !== undefined &&
    config.task.name === "arithmetic" &&
    config.task.options.maxValue === undefined &&
    config.task.options.max_value === undefined
  ) {
    config.task.options = { ...config.task.options, maxValue };
  }
  return config;
}

const out = (line: string) => process.stdout.write(`${line}\n`);

const tiny: CommandModule<{}, TinyArgs> = {
  command: "tiny",
  describe: "Build the tiny arithmetic model from nothing (init → pretrain → held-out eval), cached per recipe and seed",
  builder: (y) =>
    y
      .option("recipe", {
        choices: Object.keys(RECIPES),
        default: "default",
        describe: "default: the base model (≈10 min); test: a small fast one for test suites",
      })
      .option("seed", { type: "number", default: 1, describe: "seed for init, corpus and training" })
      .option("force", { type: "boolean", default: false, describe: "rebuild even if cached" })
      .option("out-dir", { type: "string", describe: "models cache folder (default runs/models, or $SOCIETY_MODELS_DIR)" })
      .option("threads", { type: "number", describe: "CPU threads for training (default: all cores if the machine is idle, else 1)" })
      .option("check", {
        type: "boolean",
        describe: "measure the preconditions (gold, vote and critic gain) after building (default: on for the default recipe)",
      })
      .option("config", {
        type: "string",
        describe: "run config whose loop the checks measure (default eval/configs/tiny-arithmetic.yaml)",
      }) as any,
  handler: async (args) => {
    if (!Number.isInteger(args.seed) || args.seed < 0) throw new UserError(`--seed must be a non-negative integer, got ${args.seed}`);
    if (args.threads !== undefined && (!Number.isInteger(args.threads) || args.threads < 1))
      throw new UserError(`--threads must be a positive integer, got ${args.threads}`);
    // Progress goes to stderr so stdout holds only the summary, ending with `held-out accuracy: X%`.
    // Loaded here, not at CLI start: it pulls in node-llama-cpp and the trainer.
    const { buildTinyModel } = await import("../../models/tiny/cache.js");
    const progress = (line: string) => process.stderr.write(`  ${line}\n`);
    const info = await buildTinyModel(args.recipe, {
      seed: args.seed,
      force: args.force,
      outDir: args["out-dir"],
      threads: args.threads,
      log: out,
      progress,
    });
    if (!(args.check ?? args.recipe === "default")) return;
    const { cachedCheck } = await import("../../preconditions/for-config.js");
    const config = configFor(args.config, info.maxValue, { model: { tiny_recipe: args.recipe } });
    const r = await cachedCheck({
      config,
      model: { base: info.path },
      modelSha256: info.sha256,
      cachePrefix: info.path.replace(/\.gguf$/, ""),
      log: progress,
    });
    for (const l of r.lines) out(l);
  },
};

const check: CommandModule<{}, CheckArgs> = {
  command: "check <model>",
  describe: "Measure a base model's lab preconditions under a run config: gold gain, vote gain, critic gain",
  builder: (y) =>
    y
      .positional("model", { type: "string", demandOption: true, describe: '"tiny" (the embedded model of --recipe) or a GGUF path' })
      .option("config", {
        type: "string",
        describe: "run config: questions, agents, rounds, sampling and training budget (default eval/configs/tiny-arithmetic.yaml)",
      })
      .option("recipe", { choices: Object.keys(RECIPES), default: "default", describe: "tiny recipe, when the model is tiny" })
      .option("seed", { type: "number", describe: "seed (default: the config's)" })
      .option("test-limit", { type: "number", describe: "held-out questions (default: the config's task.test.limit)" })
      .option("train-limit", {
        type: "number",
        describe: "train questions, one gold row each (default: the config's task.train.limit)",
      }) as any,
  handler: async (args) => {
    for (const k of ["seed", "test-limit", "train-limit"] as const) {
      const v = args[k];
      if (v !== undefined && (!Number.isInteger(v) || v < (k === "seed" ? 0 : 1)))
        throw new UserError(`--${k} must be a ${k === "seed" ? "non-negative" : "positive"} integer, got ${v}`);
    }
    const progress = (line: string) => process.stderr.write(`  ${line}\n`);
    let base = args.model;
    let maxValue: number | undefined;
    if (args.model === "tiny") {
      const { ensureTinyModel } = await import("../../models/tiny/cache.js");
      const info = await ensureTinyModel(args.recipe as "default" | "test", { progress });
      base = info.path;
      maxValue = info.maxValue;
    }
    const config = configFor(args.config, maxValue, {
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
      task: {
        ...(args["test-limit"] ? { test: { limit: args["test-limit"] } } : {}),
        ...(args["train-limit"] ? { train: { limit: args["train-limit"] } } : {}),
      },
    });
    const { checkForConfig } = await import("../../preconditions/for-config.js");
    const { formatChecks } = await import("../../preconditions/check.js");
    const figures = await checkForConfig({ config, model: { base }, log: progress });
    for (const l of formatChecks(figures)) out(l);
  },
};

interface RandomArgs {
  arch: "llama";
  size: string;
  type: "f16" | "f32";
  seed: number;
  script?: string;
  prefix: number;
  out?: string;
  force: boolean;
}

const random: CommandModule<{}, RandomArgs> = {
  command: "random",
  describe: "Write a random-weight GGUF of a real model's shape (e.g. Llama-3.2-1B) for throughput and memory figures",
  builder: (y) =>
    y
      .option("arch", { choices: ["llama"] as const, default: "llama" as const })
      .option("size", {
        choices: ["1b", "3b", "8b", "tiny"],
        default: "1b",
        describe: "Llama 3.2-1B / 3.2-3B / 3.1-8B shapes; tiny: the same structure at CPU size",
      })
      .option("type", { choices: ["f16", "f32"] as const, default: "f16" as const, describe: "storage type of the 2-D weights" })
      .option("seed", { type: "number", default: 1 })
      .option("script", {
        type: "string",
        describe: 'scripted replies: every reply is --prefix invisible tokens, then this text (e.g. "\\boxed{7}"), then <|im_end|>',
      })
      .option("prefix", { type: "number", default: 120, describe: "with --script: filler tokens before the text (reply length)" })
      .option("out", {
        type: "string",
        describe: "output GGUF (default runs/models/random-<arch>-<size>-<type>[-scripted].gguf, or $SOCIETY_MODELS_DIR)",
      })
      .option("force", { type: "boolean", default: false, describe: "rewrite even if the file exists" }) as any,
  handler: async (a) => {
    if (!Number.isInteger(a.seed) || a.seed < 0) throw new UserError(`--seed must be a non-negative integer, got ${a.seed}`);
    if (a.script !== undefined && !(Number.isInteger(a.prefix) && a.prefix >= 0))
      throw new UserError(`--prefix must be a non-negative integer, got ${a.prefix}`);
    const { existsSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { defaultModelsDir } = await import("../../models/paths.js");
    const { createShapedLlamaGguf, LLAMA_SIZES } = await import("../../models/shaped-model.js");
    const size = LLAMA_SIZES[a.size]!;
    const path =
      a.out ??
      join(
        defaultModelsDir(),
        `random-${a.arch}-${a.size}-${a.type}-s${a.seed}${a.script !== undefined ? `-scripted${a.prefix}` : ""}.gguf`,
      );
    if (existsSync(path) && !a.force) {
      out(`${path} (exists; --force rewrites it)`);
      return;
    }
    const t0 = Date.now();
    try {
      createShapedLlamaGguf({
        path,
        size,
        seed: a.seed,
        type: a.type === "f16" ? "F16" : "F32",
        script: a.script !== undefined ? { reply: a.script, prefix: a.prefix } : undefined,
        name: `society-random-${a.arch}-${a.size}`,
      });
    } catch (e) {
      if (e instanceof RangeError) throw new UserError(e.message);
      throw e;
    }
    const params =
      size.nVocab * size.nEmbd * (size.tiedOutput && a.script === undefined ? 1 : 2) +
      size.nLayer * (2 * size.nEmbd * size.nEmbd + 2 * size.nEmbd * (size.nEmbd / size.nHead) * size.nHeadKv + 3 * size.nEmbd * size.nFf);
    out(
      `wrote ${path}: ${a.arch} ${a.size} (${size.nLayer} layers, d=${size.nEmbd}, ${size.nHead}/${size.nHeadKv} heads, ffn ${size.nFf}, vocab ${size.nVocab}), ${params >= 1e9 ? `${(params / 1e9).toFixed(2)} B` : `${(params / 1e6).toFixed(1)} M`} params, ${a.type}, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  },
};

export default commandGroup(
  "model",
  "Build local models (the embedded tiny model, random-weight models of real shapes); measure a model's lab preconditions",
  [tiny, check, random],
);
