import { availableParallelism } from "node:os";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { UserError } from "../../errors.js";
import type { TrainRequest, TrainResult, Trainer } from "../types.js";
import { lazyRenderer } from "./data/chat.js";
import { createBackends, loadGgml, type ComputeBackends, type Ggml } from "./ffi/index.js";
import { createLora, LoraConfigError, openLoraAdapter, type LoraSet } from "./lora.js";
import { UnsupportedModelError } from "./model/hparams.js";
import { loadWeights, type ModelWeights } from "./model/weights.js";
import { checkOutputReach, reachWarning, rowTargetCounts } from "./reach.js";
import { resolveRequest } from "./request.js";
import { saveFullModel, saveLoraAdapter } from "./save.js";
import { objectiveRunner, type MicroBatch } from "./objectives/index.js";
import { referenceLogprobsGgml } from "./reference.js";
import { learningRate } from "./schedule.js";
import { TrainSession } from "./session.js";

/**
 * Local LoRA / full training on ggml (see TrainSession for the compute, this file for the loop, objectives/
 * for the losses), and DPO's reference log-probs (reference.ts).
 */
export const ggmlTrainer: Trainer = { train: trainGgml, referenceLogprobs: referenceLogprobsGgml };

export async function trainGgml(req: TrainRequest): Promise<TrainResult> {
  const started = performance.now();
  const opts = resolveRequest(req);
  const objective = objectiveRunner(req.objective);
  objective.validate(req);
  const { optim } = opts;
  const warnings: string[] = [];
  const log = (m: string) => req.onLog?.(m);
  const warn = (m: string) => {
    warnings.push(m);
    log(`warning: ${m}`);
  };
  const checkAbort = () => {
    if (req.signal?.aborted)
      throw req.signal.reason instanceof Error ? req.signal.reason : Object.assign(new Error("training aborted"), { name: "AbortError" });
  };

  // node-llama-cpp decides which ggml build (CPU/CUDA/Vulkan) this machine uses; we bind the same one.
  // Errors only: the addon's log level is process-wide, and a default (warn) instance would make every
  // other llama in the process print llama.cpp's warnings (e.g. one per embedding) to the terminal.
  const llama = await getLlama({ logLevel: LlamaLogLevel.error });
  const g = loadGgml(llama.gpu);
  const be = createBackends(g, llama.gpu !== false);
  be.setThreads(req.threads ?? availableParallelism());
  let w: ModelWeights | undefined;
  let lora: LoraSet | null = null;
  let session: TrainSession | undefined;
  const renderer = lazyRenderer(llama, req.baseModelPath, req.chatTemplate);
  try {
    try {
      w = loadWeights(g, be.main, req.baseModelPath, { trainAll: req.mode === "full" });
      lora = req.mode === "lora" ? makeLora(g, be, w, req, opts.lora, warn) : null;
    } catch (e) {
      if (e instanceof UnsupportedModelError || e instanceof LoraConfigError) throw new UserError(`train: ${e.message}`);
      throw e;
    }
    if (lora && w.quantized.length > 0) {
      warn(
        `base model has ${w.quantized.length} quantized tensors: LoRA gradients through them are approximate (activations are quantized in the forward pass)`,
      );
    }
    const B = optim.batchSize;
    const plan = await objective.plan(req, {
      renderer: renderer.get,
      nVocab: w.hp.nVocab,
      nCtxTrain: w.hp.nCtxTrain,
      B,
      epochs: optim.epochs,
      pack: opts.pack,
      valFraction: opts.valFraction,
      seed: req.seed,
      warn,
      log,
    });
    await renderer.dispose();
    checkAbort();
    const { T } = plan;
    if (w.hp.slidingWindow !== undefined && T > w.hp.slidingWindow) {
      throw new UserError(
        `train: rows of ${T} positions exceed ${w.hp.arch}'s sliding attention window (${w.hp.slidingWindow}), which the trainer does not model: lower --ctx / training.context_length`,
      );
    }
    if (lora && !lora.config.targets.includes("output")) {
      // Tokens the frozen LM head cannot produce would plateau silently; say so before spending the steps.
      const reach = checkOutputReach(g, w, rowTargetCounts([...(plan.epochs[0] ?? []), ...plan.validation].flatMap((mb) => mb.rows)));
      const msg = reachWarning(reach, lora.config.targets, !w.get("output.weight"));
      if (msg) warn(msg);
      else if (reach.skipped) log(`output-layer reach of the trained tokens not checked: ${reach.skipped}`);
      else if (reach.checked < reach.distinct)
        log(
          `output-layer reach checked for ${reach.checked} of ${reach.distinct} distinct trained tokens (special and smallest-norm rows first)`,
        );
    }

    // An epoch's optimizer steps: its micro-batches in windows of gradAccum.
    const stepsOf = (e: MicroBatch[]) => Math.ceil(e.length / optim.gradAccum);
    const totalSteps = Math.min(
      optim.maxSteps ?? Infinity,
      plan.epochs.reduce((a, e) => a + stepsOf(e), 0),
    );
    const evalEvery = req.evalEvery ?? Math.max(1, Math.round(totalSteps / 10));
    log(
      `${req.mode} training of ${w.hp.arch} (${w.hp.nLayer} layers, d=${w.hp.nEmbd}) on ${be.name}: ${plan.describe}, ` +
        `batch ${B}×${optim.gradAccum}, ${totalSteps} steps`,
    );

    session = new TrainSession(g, be, w, lora, {
      T,
      B,
      maxGradNorm: optim.maxGradNorm,
      dropout: lora && opts.lora.dropout > 0 ? { p: opts.lora.dropout, seed: req.seed } : undefined,
      prepare: optim.gradAccum === 1 ? "fused" : "accumulate",
      head: plan.head,
    });
    await plan.beforeTraining?.(session, log);
    checkAbort();
    const head = session.head;
    const valUnits = plan.validation.reduce((a, mb) => a + mb.units, 0);
    const validate = async (): Promise<{ loss: number; metrics?: Record<string, number> }> => {
      let sum = 0;
      const m = new MetricSums();
      for (const mb of plan.validation) {
        session!.setMicroBatch(mb);
        sum += await session!.evalLoss();
        if (head.metrics) m.add(head.metrics(session!.outputs(), mb));
      }
      return { loss: sum / valUnits, metrics: m.mean(valUnits) };
    };

    const lossCurve: TrainResult["lossCurve"] = [];
    let step = 0;
    let trainTokens = 0;
    let trainSeconds = 0;
    let best: { loss: number; snap: Float32Array[] } | undefined;
    let lastVal: Record<string, number> | undefined;
    let sinceBest = 0;
    let stoppedEarly = false;
    outer: for (let epoch = 1; epoch <= plan.epochs.length && step < totalSteps; epoch++) {
      const mbs = plan.epochs[epoch - 1]!;
      for (let i = 0; i < mbs.length && step < totalSteps; i += optim.gradAccum) {
        checkAbort();
        const window = mbs.slice(i, i + optim.gradAccum);
        const units = window.reduce((a, mb) => a + mb.units, 0);
        const t0 = performance.now();
        step++;
        const lr = learningRate(optim.schedule, optim.lr, step, totalSteps, optim.warmupSteps);
        const adamw = { lr, beta1: optim.beta1, beta2: optim.beta2, eps: optim.eps, weightDecay: optim.weightDecay, t: step };
        let lossSum = 0;
        let gradNorm: number | undefined;
        const m = new MetricSums();
        for (const mb of window) trainTokens += mb.rows.reduce((a, r) => a + r.nTokens, 0);
        if (optim.gradAccum === 1) {
          // One graph run: forward, backward and the AdamW update.
          session.setMicroBatch(window[0]!, true);
          ({ lossSum, gradNorm } = await session.accumulateAndStep(head.lossScale / units, adamw));
          if (head.metrics) m.add(head.metrics(session.outputs(), window[0]!));
        } else {
          for (const mb of window) {
            session.setMicroBatch(mb, true);
            lossSum += await session.accumulate(head.lossScale / units);
            if (head.metrics) m.add(head.metrics(session.outputs(), mb));
          }
          gradNorm = await session.step(adamw);
        }
        trainSeconds += (performance.now() - t0) / 1000;
        const loss = lossSum / units;
        if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${step} (loss ${loss}); lower the learning rate`);
        const metrics = m.mean(units);
        let valLoss: number | undefined;
        let valMetrics: Record<string, number> | undefined;
        if (valUnits > 0 && (step % evalEvery === 0 || step === totalSteps)) {
          ({ loss: valLoss, metrics: valMetrics } = await validate());
          lastVal = valMetrics;
          if (!best || valLoss < best.loss) {
            best = { loss: valLoss, snap: req.earlyStopPatience ? session.snapshot() : [] };
            sinceBest = 0;
          } else sinceBest++;
        }
        lossCurve.push({
          step,
          loss,
          ...(valLoss !== undefined ? { valLoss } : {}),
          ...(metrics ? { metrics } : {}),
          ...(valMetrics ? { valMetrics } : {}),
        });
        const perStep = trainSeconds / step;
        req.onProgress?.({
          step,
          totalSteps,
          epoch,
          loss,
          valLoss,
          lr,
          gradNorm,
          tokensPerSecond: trainTokens / Math.max(trainSeconds, 1e-9),
          etaSeconds: perStep * (totalSteps - step),
          ...(metrics ? { metrics } : {}),
          ...(valMetrics ? { valMetrics } : {}),
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
    // Only the model's tensors are written: a head's own parameters are dropped here.
    const sha256 = lora ? await saveLoraAdapter(g, w, lora, req.outPath) : await saveFullModel(g, w, req.outPath);
    return {
      outPath: req.outPath,
      sha256,
      mode: req.mode,
      kind: req.mode,
      lossCurve,
      trainTokens,
      tokensPerSecond: trainTokens / Math.max(trainSeconds, 1e-9),
      seconds: (performance.now() - started) / 1000,
      steps: step,
      bestValLoss: best?.loss,
      ...(lastVal ? { valMetrics: lastVal } : {}),
      stoppedEarly,
      warnings,
    };
  } finally {
    await renderer.dispose();
    session?.free();
    lora?.free();
    w?.free();
    be.free();
  }
}

/** Sums of a head's per-batch metrics, and their means over units. */
class MetricSums {
  private sums: Record<string, number> | undefined;

  add(m: Record<string, number>): void {
    this.sums ??= {};
    for (const [k, v] of Object.entries(m)) this.sums[k] = (this.sums[k] ?? 0) + v;
  }

  mean(units: number): Record<string, number> | undefined {
    if (!this.sums) return undefined;
    return Object.fromEntries(Object.entries(this.sums).map(([k, v]) => [k, v / units]));
  }
}

function makeLora(
  g: Ggml,
  be: ComputeBackends,
  w: ModelWeights,
  req: TrainRequest,
  cfg: ReturnType<typeof resolveRequest>["lora"],
  warn: (m: string) => void,
): LoraSet {
  if (!req.initAdapterPath) return createLora(g, be.main, w, cfg, req.seed);
  const { lora, adapter } = openLoraAdapter(g, be.main, w, req.initAdapterPath, cfg, req.seed);
  if (req.lora?.rank !== undefined && req.lora.rank !== adapter.rank)
    warn(`continuing ${req.initAdapterPath}: its rank ${adapter.rank} replaces the requested ${req.lora.rank}`);
  return lora;
}
