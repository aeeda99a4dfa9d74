import { availableParallelism } from "node:os";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { UserError } from "../../errors.js";
import type { TokenSequence, TrainRequest, TrainResult, Trainer } from "../types.js";
import { ChatRenderer } from "./data/chat.js";
import { microBatches, packRows, splitValidation, type Row } from "./data/rows.js";
import { createBackends, loadGgml, type ComputeBackends, type Ggml } from "./ffi/index.js";
import { createLora, loadLoraValues, LoraConfigError, readLoraAdapter, type LoraSet } from "./lora.js";
import { UnsupportedModelError } from "./model/hparams.js";
import { loadWeights, type ModelWeights } from "./model/weights.js";
import { resolveRequest } from "./request.js";
import { saveFullModel, saveLoraAdapter } from "./save.js";
import { learningRate } from "./schedule.js";
import { Rng } from "./rng.js";
import { TrainSession } from "./session.js";

const DEFAULT_MAX_CONTEXT = 1024;

/** Local LoRA / full training on ggml (see TrainSession for the compute, this file for the loop). */
export const ggmlTrainer: Trainer = { train: trainGgml };

export async function trainGgml(req: TrainRequest): Promise<TrainResult> {
  const started = performance.now();
  const opts = resolveRequest(req);
  const { optim } = opts;
  const warnings: string[] = [];
  const log = (m: string) => req.onLog?.(m);
  const warn = (m: string) => {
    warnings.push(m);
    log(`warning: ${m}`);
  };
  const checkAbort = () => {
    if (req.signal?.aborted) throw req.signal.reason instanceof Error ? req.signal.reason : Object.assign(new Error("training aborted"), { name: "AbortError" });
  };

  // node-llama-cpp decides which ggml build (CPU/CUDA/Vulkan) this machine uses; we bind the same one.
  // Errors only: the addon's log level is process-wide, and a default (warn) instance would make every
  // other llama in the process print llama.cpp's warnings (e.g. one per embedding) to the terminal.
  const llama = await getLlama({ logLevel: LlamaLogLevel.error });
  const g = loadGgml(llama.gpu);
  const seqs = req.sequences ?? (await renderExamples(llama, req, log));
  checkAbort();

  const be = createBackends(g, llama.gpu !== false);
  be.setThreads(req.threads ?? availableParallelism());
  let w: ModelWeights | undefined;
  let lora: LoraSet | null = null;
  let session: TrainSession | undefined;
  try {
    try {
      w = loadWeights(g, be.main, req.baseModelPath, { trainAll: req.mode === "full" });
      lora = req.mode === "lora" ? makeLora(g, be, w, req, opts.lora, warn) : null;
    } catch (e) {
      if (e instanceof UnsupportedModelError || e instanceof LoraConfigError) throw new UserError(`train: ${e.message}`);
      throw e;
    }
    if (lora && w.quantized.length > 0) {
      warn(`base model has ${w.quantized.length} quantized tensors: LoRA gradients through them are approximate (activations are quantized in the forward pass)`);
    }
    const vocab = w.hp.nVocab;
    for (const [i, s] of seqs.entries()) {
      const badTok = s.tokens.find((t) => !Number.isInteger(t) || t < 0 || t >= vocab);
      if (badTok !== undefined) throw new UserError(`train: sequence ${i + 1} has token ${badTok} outside the vocabulary (0..${vocab - 1})`);
    }

    // Batch shape: rows of T positions, B rows per micro-batch.
    const longest = seqs.reduce((m, s) => Math.max(m, s.tokens.length - 1), 1);
    let T = req.contextLength ?? Math.min(DEFAULT_MAX_CONTEXT, Math.ceil(longest / 8) * 8);
    if (T > w.hp.nCtxTrain) {
      warn(`contextLength ${T} exceeds the model's training context ${w.hp.nCtxTrain}; using ${w.hp.nCtxTrain}`);
      T = w.hp.nCtxTrain;
    }
    const B = optim.batchSize;
    const split = splitValidation(seqs, opts.valFraction, req.seed);
    const trainPack = packRows(split.train, T, opts.pack);
    const valPack = packRows(split.val, T, opts.pack);
    if (trainPack.split + valPack.split > 0) warn(`${trainPack.split + valPack.split} sequences longer than ${T + 1} tokens were split into windows`);
    if (trainPack.empty + valPack.empty > 0) warn(`${trainPack.empty + valPack.empty} sequences have no trained tokens and were skipped`);
    if (trainPack.rows.length === 0) throw new UserError("train: no example has a token to train on");

    const microPerEpoch = Math.ceil(trainPack.rows.length / B);
    const stepsPerEpoch = Math.ceil(microPerEpoch / optim.gradAccum);
    const totalSteps = Math.min(optim.maxSteps ?? Infinity, stepsPerEpoch * optim.epochs);
    const evalEvery = req.evalEvery ?? Math.max(1, Math.round(totalSteps / 10));
    log(
      `${req.mode} training of ${w.hp.arch} (${w.hp.nLayer} layers, d=${w.hp.nEmbd}) on ${be.name}: ${trainPack.rows.length} rows of ${T} ` +
        `(${split.train.length} sequences), batch ${B}×${optim.gradAccum}, ${totalSteps} steps` +
        (valPack.rows.length ? `, ${valPack.rows.length} validation rows` : ""),
    );

    session = new TrainSession(g, be, w, lora, {
      T,
      B,
      maxGradNorm: optim.maxGradNorm,
      dropout: lora && opts.lora.dropout > 0 ? { p: opts.lora.dropout, seed: req.seed } : undefined,
      prepare: optim.gradAccum === 1 ? "fused" : "accumulate",
    });
    const valBatches = microBatches(valPack.rows, B, T);
    const valTargets = valPack.rows.reduce((a, r) => a + r.nTargets, 0);
    const validate = async (): Promise<number> => {
      let sum = 0;
      for (const mb of valBatches) {
        session!.setBatch(mb);
        sum += await session!.evalLoss();
      }
      return sum / valTargets;
    };

    const shuffle = new Rng(req.seed, "epoch-order");
    const lossCurve: TrainResult["lossCurve"] = [];
    let step = 0;
    let trainTokens = 0;
    let trainSeconds = 0;
    let best: { loss: number; snap: Float32Array[] } | undefined;
    let sinceBest = 0;
    let stoppedEarly = false;
    outer: for (let epoch = 1; epoch <= optim.epochs && step < totalSteps; epoch++) {
      const mbs = microBatches(shuffle.shuffle(trainPack.rows.slice()), B, T);
      for (let i = 0; i < mbs.length && step < totalSteps; i += optim.gradAccum) {
        checkAbort();
        const window: Row[][] = mbs.slice(i, i + optim.gradAccum);
        const targets = window.reduce((a, mb) => a + mb.reduce((b, r) => b + r.nTargets, 0), 0);
        const t0 = performance.now();
        step++;
        const lr = learningRate(optim.schedule, optim.lr, step, totalSteps, optim.warmupSteps);
        const adamw = { lr, beta1: optim.beta1, beta2: optim.beta2, eps: optim.eps, weightDecay: optim.weightDecay, t: step };
        let lossSum = 0;
        let gradNorm: number | undefined;
        for (const mb of window) trainTokens += mb.reduce((a, r) => a + r.nTokens, 0);
        if (optim.gradAccum === 1) {
          // One graph run: forward, backward and the AdamW update.
          session.setBatch(window[0], true);
          ({ lossSum, gradNorm } = await session.accumulateAndStep(session.N / targets, adamw));
        } else {
          for (const mb of window) {
            session.setBatch(mb, true);
            lossSum += await session.accumulate(session.N / targets);
          }
          gradNorm = await session.step(adamw);
        }
        trainSeconds += (performance.now() - t0) / 1000;
        const loss = lossSum / targets;
        if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${step} (loss ${loss}); lower the learning rate`);
        let valLoss: number | undefined;
        if (valTargets > 0 && (step % evalEvery === 0 || step === totalSteps)) {
          valLoss = await validate();
          if (!best || valLoss < best.loss) {
            best = { loss: valLoss, snap: req.earlyStopPatience ? session.snapshot() : [] };
            sinceBest = 0;
          } else sinceBest++;
        }
        lossCurve.push(valLoss === undefined ? { step, loss } : { step, loss, valLoss });
        const perStep = trainSeconds / step;
        req.onProgress?.({
          step, totalSteps, epoch, loss, valLoss, lr, gradNorm,
          tokensPerSecond: trainTokens / Math.max(trainSeconds, 1e-9),
          etaSeconds: perStep * (totalSteps - step),
        });
        if (req.earlyStopPatience && sinceBest >= req.earlyStopPatience) {
          stoppedEarly = step < totalSteps;
          break outer;
        }
      }
    }
    if (req.earlyStopPatience && best && best.snap.length > 0) {
      session.restore(best.snap);
      log(`kept the weights of the best validation loss ${best.loss.toFixed(4)}`);
    }
    checkAbort();
    const sha256 = lora ? await saveLoraAdapter(g, w, lora, req.outPath) : await saveFullModel(g, w, req.outPath);
    return {
      outPath: req.outPath,
      sha256,
      mode: req.mode,
      lossCurve,
      trainTokens,
      tokensPerSecond: trainTokens / Math.max(trainSeconds, 1e-9),
      seconds: (performance.now() - started) / 1000,
      steps: step,
      bestValLoss: best?.loss,
      stoppedEarly,
      warnings,
    };
  } finally {
    session?.free();
    lora?.free();
    w?.free();
    be.free();
  }
}

async function renderExamples(llama: Awaited<ReturnType<typeof getLlama>>, req: TrainRequest, log: (m: string) => void): Promise<TokenSequence[]> {
  const model = await llama.loadModel({ modelPath: req.baseModelPath, vocabOnly: true });
  try {
    const r = new ChatRenderer(model);
    log(`rendering ${req.examples!.length} chat examples with node-llama-cpp's ${r.wrapperName} chat wrapper`);
    return req.examples!.map((ex) => r.render(ex));
  } finally {
    await model.dispose();
  }
}

function makeLora(g: Ggml, be: ComputeBackends, w: ModelWeights, req: TrainRequest, cfg: ReturnType<typeof resolveRequest>["lora"], warn: (m: string) => void): LoraSet {
  if (!req.initAdapterPath) return createLora(g, be.main, w, cfg, req.seed);
  const adapter = readLoraAdapter(g, req.initAdapterPath);
  if (adapter.arch !== w.hp.arch) throw new LoraConfigError(`adapter architecture ${adapter.arch} does not match the base model's ${w.hp.arch}`);
  const fromFile = { ...cfg, rank: adapter.rank, alpha: adapter.alpha, targets: adapter.targets };
  if (req.lora?.rank !== undefined && req.lora.rank !== adapter.rank) warn(`continuing ${req.initAdapterPath}: its rank ${adapter.rank} replaces the requested ${req.lora.rank}`);
  const lora = createLora(g, be.main, w, fromFile, req.seed);
  loadLoraValues(g, lora, adapter);
  return lora;
}
