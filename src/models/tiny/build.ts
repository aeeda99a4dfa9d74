import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { gguf } from "../gguf-writer.js";
import { countParams, createRandomLlamaGguf, resolveHparams } from "../llama-gguf.js";
import { fnvSplitmixSeedV1 } from "../../util/seed.js";
import { autoThreads } from "../threads.js";
import { tokenizeChat } from "./chat.js";
import { buildCorpus } from "./corpus.js";
import { evaluateHeldOut } from "./evaluate.js";
import { recipeKey, type TinyRecipe } from "./recipe.js";
import { pretrain } from "./train.js";
import writeFileAtomic from "write-file-atomic";

export interface TinyModelPaths {
  gguf: string;
  info: string;
  lock: string;
  work: string;
}

/**
 * `society model tiny`: init → pretrain (full fine-tuning of every weight with our ggml trainer) →
 * held-out greedy accuracy in llama.cpp → GGUF in the models cache, keyed by recipe + seed + templates.
 * The cache around it is in cache.ts.
 */
export interface TinyBuildOptions {
  seed?: number;
  force?: boolean;
  outDir?: string;
  threads?: number;
  /** Another prompts/ folder to render the corpus and evaluation from (default: the repo's). */
  promptsDir?: string;
  /** Summary lines (also stored, and replayed on a cache hit). */
  log?: (line: string) => void;
  /** Live progress (training steps, evaluation); not stored. */
  progress?: (line: string) => void;
}

export interface TinyModelInfo {
  path: string;
  recipe: string;
  seed: number;
  key: string;
  maxValue: number;
  params: number;
  sizeBytes: number;
  sha256: string;
  accuracy: number;
  boxedRate: number;
  /** Accuracy after one critic round (null when the recipe has no critic chats). */
  criticAccuracy: number | null;
  evalQuestions: number;
  trainTokens: number;
  trainSeconds: number;
  buildSeconds: number;
  tokensPerSecond: number;
  finalLoss: number | null;
  /** The summary lines printed when built; replayed on a cache hit. */
  lines: string[];
  builtAt: string;
  /** A few held-out completions, for eyeballing. */
  examples: { question: string; gold: string; completion: string; correct: boolean }[];
}

const fmtDuration = (s: number) => (s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`);

/** Runs every build step into `paths.work`, then moves the model and its info file into place. */
export async function buildFromRecipe(
  recipe: TinyRecipe,
  seed: number,
  paths: TinyModelPaths,
  opts: TinyBuildOptions,
  log: (l: string) => void,
  progress: (l: string) => void,
): Promise<TinyModelInfo> {
  const t0 = performance.now();
  const lines: string[] = [];
  const say = (l: string) => {
    lines.push(l);
    log(l);
  };
  const h = resolveHparams(recipe.shape);
  const params = countParams(h);
  const key = recipeKey(recipe, seed, opts.promptsDir);
  say(`tiny model: recipe ${recipe.name}, seed ${seed}, key ${key}`);
  say(
    `shape: ${h.nLayer} layers, ${h.nEmbd} wide, ${h.nHead} heads, ffn ${h.nFf}, vocab ${h.nVocab}: ${(params / 1e6).toFixed(2)} M parameters`,
  );
  say(`task: arithmetic a+b*c+d-e*f, operands 0..${recipe.maxValue} (train split only)`);

  rmSync(paths.work, { recursive: true, force: true });
  mkdirSync(paths.work, { recursive: true });
  const initPath = join(paths.work, "init.gguf");
  createRandomLlamaGguf({
    ...recipe.shape,
    path: initPath,
    seed: fnvSplitmixSeedV1(seed, "tiny-init"),
    name: `society-tiny-${recipe.name}`,
    metadata: {
      "society.tiny.recipe": gguf.str(JSON.stringify(recipe)),
      "society.tiny.seed": gguf.u32(seed),
      "society.tiny.max_value": gguf.u32(recipe.maxValue),
    },
  });

  const chats = buildCorpus({
    seed: fnvSplitmixSeedV1(seed, "tiny-corpus"),
    maxValue: recipe.maxValue,
    ...recipe.corpus,
    promptsDir: opts.promptsDir,
  });
  const sequences = chats.map((c) => tokenizeChat(c.messages));
  const tooLong = sequences.filter((s) => s.tokens.length > recipe.contextLength).length;
  if (tooLong) throw new Error(`tiny recipe ${recipe.name}: ${tooLong} corpus chats exceed contextLength ${recipe.contextLength}`);
  const trainTokens = sequences.reduce((n, s) => n + s.tokens.length, 0);
  say(
    `corpus: ${chats.length} chats (${recipe.corpus.generatorChats} generator, ${recipe.corpus.criticChats} critic), ${trainTokens} tokens`,
  );

  const threads = opts.threads ?? recipe.threads ?? autoThreads();
  progress(`training with ${threads} thread${threads === 1 ? "" : "s"}`);
  const tTrain = performance.now();
  const trained = await pretrain({
    basePath: initPath,
    outPath: join(paths.work, "trained.gguf"),
    sequences,
    recipe,
    seed: fnvSplitmixSeedV1(seed, "tiny-train"),
    threads,
    progress,
  });
  const trainSeconds = (performance.now() - tTrain) / 1000;
  // One step's loss is noisy: report the mean over the last tenth of training.
  const tail = trained.lossCurve.slice(-Math.max(1, Math.ceil(trained.lossCurve.length / 10)));
  const finalLoss = tail.length ? tail.reduce((s, p) => s + p.loss, 0) / tail.length : null;
  say(
    `trained in ${fmtDuration(trainSeconds)} (${Math.round(trained.tokensPerSecond)} tokens/s), final loss ${finalLoss?.toFixed(3) ?? "n/a"}`,
  );

  const ev = await evaluateHeldOut(trained.outPath, {
    maxValue: recipe.maxValue,
    count: recipe.eval.questions,
    maxTokens: recipe.eval.maxTokens,
    critic: recipe.corpus.criticChats > 0,
    promptsDir: opts.promptsDir,
    onProgress: (done, total, correct) => {
      if (done % 20 === 0 || done === total) progress(`eval: ${done}/${total}, ${correct} correct`);
    },
  });
  say(`held-out (greedy): ${ev.correct}/${ev.n} test-split questions correct, \\boxed{} in ${(ev.boxedRate * 100).toFixed(0)}% of answers`);
  if (ev.criticAccuracy !== undefined)
    say(`critic round (2 other answers, each right with p=1/2): ${(ev.criticAccuracy * 100).toFixed(1)}% correct`);

  renameSync(trained.outPath, paths.gguf);
  rmSync(paths.work, { recursive: true, force: true });
  const bytes = readFileSync(paths.gguf);
  const info: TinyModelInfo = {
    path: paths.gguf,
    recipe: recipe.name,
    seed,
    key,
    maxValue: recipe.maxValue,
    params,
    sizeBytes: statSync(paths.gguf).size,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    accuracy: ev.accuracy,
    boxedRate: ev.boxedRate,
    criticAccuracy: ev.criticAccuracy ?? null,
    evalQuestions: ev.n,
    trainTokens,
    trainSeconds,
    buildSeconds: 0,
    tokensPerSecond: trained.tokensPerSecond,
    finalLoss,
    lines,
    builtAt: new Date().toISOString(),
    examples: ev.samples.slice(0, 8).map(({ question, gold, completion, correct }) => ({ question, gold, completion, correct })),
  };
  say(`model: ${paths.gguf} (${(info.sizeBytes / 1e6).toFixed(1)} MB), built in ${fmtDuration((performance.now() - t0) / 1000)}`);
  say(`held-out accuracy: ${(ev.accuracy * 100).toFixed(1)}%`);
  info.buildSeconds = (performance.now() - t0) / 1000;
  info.lines = lines;
  writeFileAtomic.sync(paths.info, JSON.stringify(info, null, 2));
  return info;
}
