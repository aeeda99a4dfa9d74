/** Typed access to the one set of training defaults (config/training-defaults.ts holds the values). */
import { TRAINING_DEFAULTS as D } from "../config/training-defaults.js";
import type { LoraOptions, OptimOptions } from "./types.js";

export const DEFAULT_LORA_TARGETS: string[] = [...D.lora.targets];
/** Every projection a LoRA adapter may target (`output` is the LM head). */
export const LORA_TARGETS = [...D.lora.targets, "output"] as const;

export const DEFAULT_LORA: LoraOptions = { ...D.lora, targets: DEFAULT_LORA_TARGETS };

export function defaultOptim(mode: "lora" | "full"): OptimOptions {
  return { ...D.optim, ...D.byMode[mode] };
}

export const DEFAULT_DPO_BETA: number = D.dpoBeta;

export const DEFAULT_MAGDI = { ...D.magdi };
