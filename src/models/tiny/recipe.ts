import { createHash } from "node:crypto";
import { UserError } from "../../errors.js";
import { loadTemplate } from "../../prompts/templates.js";
import type { OptimOptions } from "../../training/types.js";
import type { LlamaShape } from "../llama-gguf.js";
import type { CorpusSpec } from "./corpus.js";
import { CHAT_TEMPLATE, VOCAB } from "./tokenizer.js";

/**
 * How the embedded tiny model is built: size, operand range, corpus mix, optimizer. A recipe, the seed
 * and the prompt templates it is rendered from fully determine the model (and its cache key).
 */
export interface TinyRecipe {
  name: string;
  /**
   * The arithmetic task's max_value the model is trained and evaluated on. Chosen small (0..5 for the
   * default) so a model trained from nothing in minutes on 2 CPU cores lands at a decent-but-imperfect
   * held-out accuracy, leaving room for self-improvement. Debates with this model should use the same
   * max_value.
   */
  maxValue: number;
  shape: LlamaShape;
  corpus: Omit<CorpusSpec, "seed" | "maxValue" | "promptsDir">;
  optim: Pick<OptimOptions, "lr" | "epochs" | "batchSize" | "gradAccum" | "weightDecay" | "warmupSteps" | "schedule" | "maxSteps">;
  /** Training sequence length; chats are padded/packed to it. */
  contextLength: number;
  eval: { questions: number; maxTokens: number };
  /** Training threads; default: all cores when the machine is idle, else 1 (see threads.ts). */
  threads?: number;
}

/** Bump when the corpus format or build steps change in a way the recipe fields do not show. */
export const BUILD_VERSION = "tiny-v1";

/**
 * Measured on the shared 2-core machine with other engineers' jobs running, 1 training thread:
 *   default: 0.52 M params, 1.42 M training tokens (3 360 tokens/s), built in 7 min 12 s; held-out accuracy
 *     39.5% (200 test-split questions), 38.0% after one critic round. For comparison: operands 0..9 with
 *     1.7 M generator-only tokens reached only 20% in 22 min; 0..5 with 1.7 M tokens 68%.
 *   test: 0.15 M params, 0.42 M tokens, built in 69 s, held-out accuracy 36% (50 questions; the most
 *     common answer of 0..3 expressions is right 11% of the time).
 *
 * Lab preconditions (issue 14; `society model check`, eval/configs/tiny-arithmetic.yaml budget: 500 gold
 * rows, 20 LoRA steps, 300 held-out questions), on the tiny-v1 build of `default` (one order): gold gain
 * FAIL +1.4 ± 0.9 points (per-sample 40.7 → 42.1%), vote gain FAIL (maj@3 42.7% vs per-sample 40.7% and
 * greedy 48.3%), critic gain +0.3 ± 1.9 (noise). With one solution order the vote cannot beat greedy,
 * and gold rows teach nothing its corpus did not. Worlds tried with 3 orders (± a rare-operand gap,
 * 1.43 M tokens, same shape): per-sample 11–17%, debate 4–11%, every check FAIL: the orders split the
 * arithmetic facts and this size learns none well. Those worlds are opt-in (`corpus.world`, corpus.ts
 * LabWorld: orders, slips, keep/adopt/repair critics, tags, a rare-operand gap); the shipped recipes set
 * none, so their corpus is the tiny-v1 one. A world that passes all three checks is still open.
 */
export const RECIPES: Record<"default" | "test", TinyRecipe> = {
  default: {
    name: "default",
    maxValue: 5,
    shape: { nLayer: 2, nEmbd: 128, nHead: 4, nHeadKv: 4, nFf: 384, ctx: 1024 },
    corpus: { generatorChats: 5500, criticChats: 2500, otherRightRate: 0.5, firstRightRate: 0.5 },
    optim: { lr: 2e-3, epochs: 1, batchSize: 4, gradAccum: 1, weightDecay: 0.01, warmupSteps: 30, schedule: "cosine" },
    // Longest chat (a critic turn quoting 3 other agents, question restated) is 418 tokens.
    contextLength: 448,
    eval: { questions: 200, maxTokens: 96 },
  },
  test: {
    name: "test",
    maxValue: 3,
    shape: { nLayer: 2, nEmbd: 64, nHead: 4, nHeadKv: 4, nFf: 192, ctx: 1024 },
    // Generator chats only (short rows are cheaper); it has never seen a critic prompt.
    corpus: { generatorChats: 4000, criticChats: 0, otherRightRate: 0.5, firstRightRate: 0.5 },
    optim: { lr: 3e-3, epochs: 1, batchSize: 8, gradAccum: 1, weightDecay: 0.01, warmupSteps: 20, schedule: "cosine" },
    contextLength: 224,
    eval: { questions: 50, maxTokens: 80 },
    // One thread: the same bytes on every machine, and fast enough at this size.
    threads: 1,
  },
};

export type RecipeName = keyof typeof RECIPES;

export function getRecipe(name: string): TinyRecipe {
  const r = (RECIPES as Record<string, TinyRecipe>)[name];
  if (!r) throw new UserError(`unknown tiny-model recipe "${name}" (known: ${Object.keys(RECIPES).join(", ")})`);
  return r;
}

/** The prompt templates the corpus and evaluation render; editing any of them changes the model. */
export const TEMPLATE_ROLES = ["generator", "critic", "other-response"] as const;

/** Cache key: recipe, seed, the rendered-from templates, the vocabulary and chat template, the build version. */
export function recipeKey(recipe: TinyRecipe, seed: number, promptsDir?: string): string {
  const templates = TEMPLATE_ROLES.map((role) => loadTemplate("arithmetic", role, promptsDir).text);
  return createHash("sha256")
    .update(JSON.stringify({ BUILD_VERSION, recipe, seed, templates, tokens: VOCAB.tokens, CHAT_TEMPLATE }))
    .digest("hex")
    .slice(0, 12);
}
