import type { CommandModule } from "yargs";
import { commandGroup } from "../command-group.js";
import { UserError } from "../../errors.js";
import { RECIPES } from "../../models/tiny/recipe.js";

/** `society model tiny`: build (or reuse) the embedded default model from nothing. */

interface TinyArgs {
  recipe: string;
  seed: number;
  force: boolean;
  "out-dir"?: string;
  threads?: number;
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
      .option("threads", {
        type: "number",
        describe: "CPU threads for training (default: all cores if the machine is idle, else 1)",
      }) as any,
  handler: async (args) => {
    if (!Number.isInteger(args.seed) || args.seed < 0) throw new UserError(`--seed must be a non-negative integer, got ${args.seed}`);
    if (args.threads !== undefined && (!Number.isInteger(args.threads) || args.threads < 1))
      throw new UserError(`--threads must be a positive integer, got ${args.threads}`);
    // Progress goes to stderr so stdout holds only the summary, ending with `held-out accuracy: X%`.
    // Loaded here, not at CLI start: it pulls in node-llama-cpp and the trainer.
    const { buildTinyModel } = await import("../../models/tiny/cache.js");
    await buildTinyModel(args.recipe, {
      seed: args.seed,
      force: args.force,
      outDir: args["out-dir"],
      threads: args.threads,
      log: out,
      progress: (line) => process.stderr.write(`  ${line}\n`),
    });
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

export default commandGroup("model", "Build local models (the embedded tiny model, random-weight models of real shapes)", [tiny, random]);
