import type { TokenizedChat } from "./chat.js";
import type { TinyRecipe } from "./recipe.js";

/** Pretraining step of the tiny-model build: full training of every weight with our ggml trainer. */
export interface PretrainArgs {
  basePath: string;
  outPath: string;
  sequences: TokenizedChat[];
  recipe: TinyRecipe;
  seed: number;
  threads?: number;
  progress: (line: string) => void;
}

export interface PretrainResult {
  outPath: string;
  lossCurve: number[];
  tokensPerSecond: number;
}

// Until src/training/ggml lands, the trainer is looked up at run time so the rest typechecks and tests.
const TRAINER = "../../training/ggml/index.js";

export async function pretrain(a: PretrainArgs): Promise<PretrainResult> {
  let mod: any;
  try {
    mod = await import(TRAINER);
  } catch (e) {
    throw new Error(`the ggml trainer (src/training/ggml) is not available yet: ${(e as Error).message}`);
  }
  const trainer = mod.ggmlTrainer;
  const res = await trainer.train({
    baseModelPath: a.basePath,
    sequences: a.sequences,
    mode: "full",
    outPath: a.outPath,
    optim: a.recipe.optim,
    contextLength: a.recipe.contextLength,
    seed: a.seed,
    threads: a.threads,
    onProgress: (p: any) => a.progress(`train: ${JSON.stringify(p)}`),
  });
  return { outPath: res.outPath, lossCurve: res.lossCurve ?? [], tokensPerSecond: res.tokensPerSecond ?? 0 };
}
