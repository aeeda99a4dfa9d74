import { createHash } from "node:crypto";
import { UserError } from "../../errors.js";
import { loadTemplate } from "../../prompts/templates.js";
import type { LlamaShape } from "../llama-gguf.js";
import { CHAT_TEMPLATE, VOCAB } from "./tokenizer.js";

/**
 * How the embedded tiny model is built: size, operand range, corpus mix, optimizer. A recipe, the seed
 * and the prompt templates it is rendered from fully determine the model (and its cache key).
 */
export interface TinyRecipe {
  name: string;
  /**
   * The arithmetic task's max_value the model is trained and evaluated on. Chosen small (0..9, single
   * digits) so a model trained from nothing in minutes on 2 CPU cores lands at a decent-but-imperfect
   * held-out accuracy, leaving room for self-improvement.
   */
  maxValue: number;
  shape: LlamaShape;
  corpus: { generatorChats: number; criticChats: number; otherRightRate: number; firstRightRate: number };
  optim: {
    lr: number;
    epochs: number;
    batchSize: number;
    gradAccum: number;
    weightDecay: number;
    warmupSteps: number;
    schedule: "constant" | "cosine" | "linear";
    maxSteps?: number;
  };
  /** Training sequence length; chats are padded/packed to it. */
  contextLength: number;
  eval: { questions: number; maxTokens: number };
}

/** Bump when the corpus format or build steps change in a way the recipe fields do not show. */
export const BUILD_VERSION = "tiny-v1";

export const RECIPES: Record<"default" | "test", TinyRecipe> = {
  default: {
    name: "default",
    maxValue: 9,
    shape: { nLayer: 4, nEmbd: 128, nHead: 4, nHeadKv: 4, nFf: 384, ctx: 512 },
    corpus: { generatorChats: 24000, criticChats: 4000, otherRightRate: 0.5, firstRightRate: 0.5 },
    optim: { lr: 2e-3, epochs: 1, batchSize: 16, gradAccum: 1, weightDecay: 0.01, warmupSteps: 50, schedule: "cosine" },
    contextLength: 448,
    eval: { questions: 200, maxTokens: 96 },
  },
  test: {
    name: "test",
    maxValue: 3,
    shape: { nLayer: 1, nEmbd: 64, nHead: 4, nHeadKv: 4, nFf: 192, ctx: 512 },
    corpus: { generatorChats: 2000, criticChats: 0, otherRightRate: 0.5, firstRightRate: 0.5 },
    optim: { lr: 3e-3, epochs: 1, batchSize: 16, gradAccum: 1, weightDecay: 0.0, warmupSteps: 20, schedule: "cosine" },
    contextLength: 128,
    eval: { questions: 40, maxTokens: 80 },
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
export function recipeKey(recipe: TinyRecipe, seed: number): string {
  const templates = TEMPLATE_ROLES.map((role) => loadTemplate("arithmetic", role).text);
  return createHash("sha256")
    .update(JSON.stringify({ BUILD_VERSION, recipe, seed, templates, tokens: VOCAB.tokens, CHAT_TEMPLATE }))
    .digest("hex")
    .slice(0, 12);
}
