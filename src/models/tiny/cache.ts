import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { withFileLock } from "../../util/file-lock.js";
import { defaultModelsDir } from "../paths.js";
import { buildFromRecipe, type TinyBuildOptions, type TinyModelInfo, type TinyModelPaths } from "./build.js";
import { getRecipe, recipeKey, type RecipeName, type TinyRecipe } from "./recipe.js";

/**
 * The tiny-model cache: `<outDir>/tiny-<recipe>-s<seed>-<key>.gguf` plus a `.json` with what the build
 * measured. The key hashes the recipe, seed, prompt templates and vocabulary, so editing any of them
 * builds a new model. A hit replays the stored summary lines; a lock file makes concurrent callers
 * (test workers) build once.
 */
export function tinyModelPaths(recipe: TinyRecipe, seed: number, outDir: string, promptsDir?: string): TinyModelPaths {
  const base = join(outDir, `tiny-${recipe.name}-s${seed}-${recipeKey(recipe, seed, promptsDir)}`);
  return { gguf: `${base}.gguf`, info: `${base}.json`, lock: `${base}.lock`, work: `${base}.work` };
}

function readCached(paths: TinyModelPaths): TinyModelInfo | null {
  if (!existsSync(paths.gguf) || !existsSync(paths.info)) return null;
  try {
    const info = JSON.parse(readFileSync(paths.info, "utf8")) as TinyModelInfo;
    return { ...info, path: paths.gguf };
  } catch {
    return null;
  }
}

/** Builds (or reuses) the tiny model for a recipe and seed; returns its path and measured accuracy. */
export async function buildTinyModel(recipeName: string, opts: TinyBuildOptions = {}): Promise<TinyModelInfo> {
  const recipe = getRecipe(recipeName);
  const seed = opts.seed ?? 1;
  const outDir = opts.outDir ?? defaultModelsDir();
  const paths = tinyModelPaths(recipe, seed, outDir, opts.promptsDir);
  const log = opts.log ?? (() => {});
  const progress = opts.progress ?? (() => {});
  if (!opts.force) {
    const hit = readCached(paths);
    if (hit) {
      for (const l of hit.lines) log(l);
      return hit;
    }
  }
  return withFileLock(
    paths.lock,
    async () => {
      if (!opts.force) {
        const hit = readCached(paths); // another process built it while we waited
        if (hit) {
          for (const l of hit.lines) log(l);
          return hit;
        }
      }
      return buildFromRecipe(recipe, seed, paths, opts, log, progress);
    },
    { onWait: () => progress(`waiting for another process building ${paths.gguf}`) },
  );
}

/** For tests and other modules: the cached tiny model for a recipe (built once if missing). */
export async function ensureTinyModel(recipe: RecipeName = "test", opts: TinyBuildOptions = {}): Promise<TinyModelInfo> {
  return buildTinyModel(recipe, opts);
}

export type { TinyBuildOptions, TinyModelInfo };
