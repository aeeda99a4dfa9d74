import type { RunConfig } from "../config/schema.js";
import type { TrainRequest } from "./types.js";

/**
 * A run config's `training:` section as trainer request fields: the one mapping from snake_case YAML to
 * the trainer's options, shared by the loop (every agent's finetuning) and the precondition checks (which
 * must train with exactly the loop's budget).
 */
export function trainOptionsFrom(
  t: RunConfig["training"],
): Pick<TrainRequest, "mode" | "lora" | "optim" | "valFraction" | "earlyStopPatience" | "contextLength" | "threads"> {
  return {
    mode: t.mode,
    lora: t.lora,
    optim: {
      lr: t.optim.lr,
      epochs: t.optim.epochs,
      batchSize: t.optim.batch_size,
      gradAccum: t.optim.grad_accum,
      weightDecay: t.optim.weight_decay,
      warmupSteps: t.optim.warmup_steps,
      schedule: t.optim.schedule,
      maxSteps: t.optim.max_steps,
    },
    valFraction: t.val_fraction,
    earlyStopPatience: t.early_stop_patience || undefined,
    contextLength: t.context_length,
    threads: t.threads,
  };
}
