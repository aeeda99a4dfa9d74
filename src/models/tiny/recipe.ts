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
   * The arithmetic task's max_value the model is trained and evaluated on. Chosen small (0..3 for both
   * recipes) so a model trained from nothing in minutes on 2 CPU cores lands at a decent-but-imperfect
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
 * `default` is the lab world of issue 14, the one world measured so far that passes all three
 * preconditions (src/preconditions; eval/configs/tiny-arithmetic.yaml budget: 12 LoRA steps, 300 gold
 * rows, 250 held-out questions, 3 agents × 2 rounds at T = 1, top-p 0.9). Operands 0..3; two tagged
 * solution orders (A) products-first, B) difference); a shortcut at 40% of answers (a hasty
 * `\boxed{N}` off by 1..9, so greedy decoding, which always takes it, is right only by luck); critics
 * that re-solve with a chain; 2 epochs. Built in 8.6 min on 2 idle cores (783 CPU-s on one; the same
 * bytes either way; 2 layers × 128, 1.25 M tokens a pass), `society model tiny` measured (seed 1):
 *   gold gain   PASS  per-sample 53.1% → 85.9% (+32.8 ± 1.8 points), greedy 6.4% → 83.2%
 *   vote gain   PASS  maj@3 63.7%: +10.7 ± 1.0 points over per-sample, +57.3 ± 3.0 over greedy
 *   critic gain PASS  untrained debate 79.9%: +16.1 ± 2.9 points over maj@3
 * What failed on the way (16 steps, 400 gold rows; tiny-v1 at 20 and 500): the tiny-v1 world at 0..5, one order (gold +1.4, vote +2.0
 * over per-sample and −5.7 under greedy, critic +0.3); three orders or a sign-dropping misconception
 * (chains the model cannot retrieve operands for: gold ≤ +4.3, critic −13 to −32); the shortcut world
 * with three orders (per-sample 22%: three orders split what 2 layers learn), with one epoch (vote
 * +6.0), with 4 layers (vote +6.8, critic −13.6), with a spread of 5 (vote +7.3: shortcuts that agree
 * with each other outvote a right chain) and with 8 000 generator / 2 000 critic chats (critic −6.9).
 * The measured errors of this size are operand retrieval and sums in the chain's last three steps,
 * not the products.
 *
 * `test`: 0.15 M params, 0.42 M tokens, built in 69 s, held-out accuracy 36% (50 questions, operands
 * 0..3, the tiny-v1 corpus; the most common answer of 0..3 expressions is right 11% of the time).
 */
export const RECIPES: Record<"default" | "test", TinyRecipe> = {
  default: {
    name: "default",
    maxValue: 3,
    shape: { nLayer: 2, nEmbd: 128, nHead: 4, nHeadKv: 4, nFf: 384, ctx: 1024 },
    corpus: {
      generatorChats: 5500,
      criticChats: 2500,
      otherRightRate: 0.5,
      firstRightRate: 0.5,
      world: { orders: { "products-first": 1, difference: 1 }, tagged: true, shortcut: { share: 0.4, spread: 9 } },
    },
    optim: { lr: 2e-3, epochs: 2, batchSize: 4, gradAccum: 1, weightDecay: 0.01, warmupSteps: 30, schedule: "cosine" },
    // Longest chat (a critic turn quoting 3 other agents, question restated) is 412 tokens.
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
