import type { CommandModule } from "yargs";
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
      .option("recipe", { choices: Object.keys(RECIPES), default: "default", describe: "default: the base model (≈10 min); test: a small fast one for test suites" })
      .option("seed", { type: "number", default: 1, describe: "seed for init, corpus and training" })
      .option("force", { type: "boolean", default: false, describe: "rebuild even if cached" })
      .option("out-dir", { type: "string", describe: "models cache folder (default runs/models, or $SOCIETY_MODELS_DIR)" })
      .option("threads", { type: "number", describe: "CPU threads for training (default: all cores if the machine is idle, else 1)" }) as any,
  handler: async (args) => {
    if (!Number.isInteger(args.seed) || args.seed < 0) throw new UserError(`--seed must be a non-negative integer, got ${args.seed}`);
    if (args.threads !== undefined && (!Number.isInteger(args.threads) || args.threads < 1)) throw new UserError(`--threads must be a positive integer, got ${args.threads}`);
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

const command: CommandModule<{}, {}> = {
  command: "model",
  describe: "Build local models (the embedded tiny model)",
  builder: (y) => y.command(tiny as CommandModule<{}, any>).demandCommand(1, "Name a model command: tiny"),
  handler: () => {},
};
export default command;
