import { UserError } from "../../errors.js";
import { readGgufHeader } from "../../formats/gguf-header.js";
import type { LoraOptions, OptimOptions, TrainRequest } from "../types.js";
import { DEFAULT_LORA, defaultOptim } from "../defaults.js";

export interface ResolvedOptions {
  optim: OptimOptions;
  lora: LoraOptions;
  valFraction: number;
  pack: boolean;
}

const positiveInt = (v: number) => Number.isInteger(v) && v >= 1;

/** Checks a request and fills defaults; every problem is a UserError naming the field. */
export function resolveRequest(req: TrainRequest): ResolvedOptions {
  if (req.mode !== "lora" && req.mode !== "full")
    throw new UserError(`train: mode must be "lora" or "full", got ${JSON.stringify(req.mode)}`);
  if (!req.baseModelPath) throw new UserError("train: baseModelPath is required");
  // Checked before node-llama-cpp or ggml reads it: a hostile or broken file is an error, not a hang.
  readGgufHeader(req.baseModelPath, "train: base model");
  if (!req.outPath) throw new UserError("train: outPath is required");
  if (!Number.isFinite(req.seed)) throw new UserError("train: seed must be a number");
  if (req.initAdapterPath && req.mode !== "lora") throw new UserError("train: initAdapterPath only applies to mode lora");
  if (req.initAdapterPath) readGgufHeader(req.initAdapterPath, "train: adapter");

  const optim: OptimOptions = { ...defaultOptim(req.mode), ...stripUndefined(req.optim ?? {}) };
  const bad = (field: string, why: string) => new UserError(`train: optim.${field} ${why}`);
  if (!(optim.lr > 0)) throw bad("lr", "must be > 0");
  if (!positiveInt(optim.epochs)) throw bad("epochs", "must be a positive integer");
  if (!positiveInt(optim.batchSize)) throw bad("batchSize", "must be a positive integer");
  if (!positiveInt(optim.gradAccum)) throw bad("gradAccum", "must be a positive integer");
  if (!(optim.weightDecay >= 0 && optim.weightDecay <= 1)) throw bad("weightDecay", "must be in [0, 1]");
  if (!(Number.isInteger(optim.warmupSteps) && optim.warmupSteps >= 0)) throw bad("warmupSteps", "must be an integer >= 0");
  if (!["cosine", "linear", "constant"].includes(optim.schedule)) throw bad("schedule", "must be cosine, linear or constant");
  if (optim.maxSteps !== undefined && !positiveInt(optim.maxSteps)) throw bad("maxSteps", "must be a positive integer");
  if (!(optim.beta1 >= 0 && optim.beta1 < 1 && optim.beta2 >= 0 && optim.beta2 < 1)) throw bad("beta1/beta2", "must be in [0, 1)");
  if (!(optim.eps >= 0)) throw bad("eps", "must be >= 0");
  if (!(optim.maxGradNorm >= 0)) throw bad("maxGradNorm", "must be >= 0");

  const lora: LoraOptions = { ...DEFAULT_LORA, ...stripUndefined(req.lora ?? {}) };
  if (req.lora?.alpha === undefined && req.lora?.rank !== undefined) lora.alpha = 2 * lora.rank;
  const valFraction = req.valFraction ?? 0;
  if (!(valFraction >= 0 && valFraction < 1)) throw new UserError("train: valFraction must be in [0, 1)");
  if (req.earlyStopPatience !== undefined && !positiveInt(req.earlyStopPatience))
    throw new UserError("train: earlyStopPatience must be a positive integer");
  if (req.evalEvery !== undefined && !positiveInt(req.evalEvery)) throw new UserError("train: evalEvery must be a positive integer");
  if (req.contextLength !== undefined && !(positiveInt(req.contextLength) && req.contextLength >= 2))
    throw new UserError("train: contextLength must be an integer >= 2");
  if (req.threads !== undefined && !positiveInt(req.threads)) throw new UserError("train: threads must be a positive integer");
  return { optim, lora, valFraction, pack: req.pack ?? true };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
