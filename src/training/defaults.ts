/**
 * The one set of training defaults. The local trainer (`ggml/request.ts`), the run config schema
 * (`config/schema.ts`), `society train`, `society serve`'s fine-tuning jobs and the remote trainer's
 * learning-rate multiplier all read these, so a value left out means the same thing everywhere.
 *
 * LoRA takes a learning rate ~20× that of full finetuning (the usual PEFT ratio); full finetuning also
 * gets weight decay. The LoRA values are those the run loop has always used (lr 1e-3, 2 epochs, 8 rows).
 */
import type { LoraOptions, OptimOptions } from "./types.js";

export const DEFAULT_LORA_TARGETS = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"];
/** Every projection a LoRA adapter may target (`output` is the LM head). */
export const LORA_TARGETS = [...DEFAULT_LORA_TARGETS, "output"] as const;

export const DEFAULT_LORA: LoraOptions = { rank: 8, alpha: 16, dropout: 0, targets: DEFAULT_LORA_TARGETS };

const COMMON = {
  epochs: 2,
  batchSize: 8,
  gradAccum: 1,
  warmupSteps: 0,
  schedule: "cosine",
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  maxGradNorm: 1,
} as const;

const BY_MODE: Record<"lora" | "full", Pick<OptimOptions, "lr" | "weightDecay">> = {
  lora: { lr: 1e-3, weightDecay: 0 },
  full: { lr: 5e-5, weightDecay: 0.01 },
};

export function defaultOptim(mode: "lora" | "full"): OptimOptions {
  return { ...COMMON, ...BY_MODE[mode] };
}

/** DPO's β when none is given (TRL's default; MALT uses 0.2). */
export const DEFAULT_DPO_BETA = 0.1;
