/**
 * Sequence log-probs of preference pairs under a frozen model (base, or base + LoRA adapter): DPO's
 * reference, computed once and stored with the dataset so a resumed run does not recompute it. The same
 * graph and head as training (objectives/dpo.ts), forward only, so the values equal those the trainer
 * would compute itself before its first step.
 */
import { availableParallelism } from "node:os";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { UserError } from "../../errors.js";
import { readGgufHeader } from "../../formats/gguf-header.js";
import { DEFAULT_LORA } from "../defaults.js";
import type { ReferenceLogprobsRequest } from "../types.js";
import { lazyRenderer } from "./data/chat.js";
import { createBackends, loadGgml } from "./ffi/index.js";
import { LoraConfigError, openLoraAdapter, type LoraSet } from "./lora.js";
import { UnsupportedModelError } from "./model/hparams.js";
import { loadWeights, type ModelWeights } from "./model/weights.js";
import { validatePairs } from "../preference.js";
import { dpoHead, packPairs, tokenizePairs, type TokenPair } from "./objectives/dpo.js";
import { TrainSession } from "./session.js";

/** Rows per forward pass: two, so any pair fits (one reply per row at worst) with the least memory. */
const ROWS = 2;

export async function referenceLogprobsGgml(req: ReferenceLogprobsRequest): Promise<{ chosen: number; rejected: number }[]> {
  if (!req.baseModelPath) throw new UserError("reference log-probs: baseModelPath is required");
  readGgufHeader(req.baseModelPath, "reference log-probs: base model");
  if (req.adapterPath) readGgufHeader(req.adapterPath, "reference log-probs: adapter");
  if (req.contextLength !== undefined && !(Number.isInteger(req.contextLength) && req.contextLength >= 2))
    throw new UserError("reference log-probs: contextLength must be an integer >= 2");
  validatePairs(req.pairs);
  const llama = await getLlama({ logLevel: LlamaLogLevel.error });
  const g = loadGgml(llama.gpu);
  const be = createBackends(g, llama.gpu !== false);
  be.setThreads(req.threads ?? availableParallelism());
  const renderer = lazyRenderer(llama, req.baseModelPath, req.chatTemplate);
  let w: ModelWeights | undefined;
  let lora: LoraSet | null = null;
  let session: TrainSession | undefined;
  try {
    try {
      w = loadWeights(g, be.main, req.baseModelPath, { trainAll: false });
      lora = req.adapterPath ? openLoraAdapter(g, be.main, w, req.adapterPath, DEFAULT_LORA, 0).lora : null;
    } catch (e) {
      if (e instanceof UnsupportedModelError || e instanceof LoraConfigError) throw new UserError(`reference log-probs: ${e.message}`);
      throw e;
    }
    const warn = (m: string) => req.onLog?.(`warning: ${m}`);
    const { T, tokens } = await tokenizePairs(req.pairs, {
      renderer: renderer.get,
      nVocab: w.hp.nVocab,
      nCtxTrain: w.hp.nCtxTrain,
      contextLength: req.contextLength,
      warn,
    });
    await renderer.dispose();
    const kept = tokens.filter((p): p is TokenPair => p !== null);
    const batches = packPairs(kept, T, ROWS, true);
    const P = batches.reduce((m, mb) => Math.max(m, mb.units), 1);
    session = new TrainSession(g, be, w, lora, { T, B: ROWS, maxGradNorm: 0, head: dpoHead(1, P) });
    for (const mb of batches) {
      if (req.signal?.aborted)
        throw req.signal.reason instanceof Error ? req.signal.reason : Object.assign(new Error("aborted"), { name: "AbortError" });
      session.setMicroBatch(mb);
      const out = await session.evalOutputs();
      mb.payload.pairs.forEach((p, k) => (p.ref = { chosen: out.chosen![k]!, rejected: out.rejected![k]! }));
    }
    // A pair dropped for having no reply token left has the log-prob of an empty reply: 0 (training skips it).
    return tokens.map((p) => ({ chosen: p?.ref?.chosen ?? 0, rejected: p?.ref?.rejected ?? 0 }));
  } finally {
    await renderer.dispose();
    session?.free();
    lora?.free();
    w?.free();
    be.free();
  }
}
