import type { Trainer, TrainProgress, TrainResult } from "../../training/types.js";
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

// Looked up at run time while src/training/ggml is being written, so this folder typechecks without it.
const TRAINER_MODULE = "../../training/ggml/index.js";

async function loadTrainer(): Promise<Trainer> {
  let mod: { ggmlTrainer?: Trainer };
  try {
    mod = await import(TRAINER_MODULE);
  } catch (e) {
    throw new Error(`the ggml trainer (src/training/ggml) is not available: ${(e as Error).message}`, { cause: e });
  }
  if (!mod.ggmlTrainer) throw new Error("src/training/ggml does not export ggmlTrainer");
  return mod.ggmlTrainer;
}

const eta = (s: number) => (s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);

export async function pretrain(a: PretrainArgs): Promise<TrainResult> {
  const trainer = await loadTrainer();
  let lastPrinted = 0;
  const onProgress = (p: TrainProgress) => {
    // About every 5 s, and the last step.
    const now = performance.now();
    if (now - lastPrinted < 5000 && p.step !== p.totalSteps) return;
    lastPrinted = now;
    a.progress(
      `train: step ${p.step}/${p.totalSteps}, loss ${p.loss.toFixed(3)}, lr ${p.lr.toExponential(1)}, ${Math.round(p.tokensPerSecond)} tokens/s, eta ${eta(p.etaSeconds)}`,
    );
  };
  return trainer.train({
    baseModelPath: a.basePath,
    sequences: a.sequences,
    mode: "full",
    outPath: a.outPath,
    optim: a.recipe.optim,
    contextLength: a.recipe.contextLength,
    pack: true,
    seed: a.seed,
    threads: a.threads,
    onProgress,
    onLog: (m) => a.progress(`train: ${m}`),
  });
}
