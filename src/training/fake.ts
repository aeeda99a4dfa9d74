import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { contentId } from "../util/content-id.js";
import { deriveSeed } from "../util/seed.js";
import type { ReferenceLogprobsRequest, Trainer, TrainRequest, TrainResult } from "./types.js";

/**
 * A Trainer that trains nothing, for fast tests of what sits around training (methods, resume). It records
 * every request and writes a small JSON artifact at `outPath` naming what it was given (base and adapter it
 * continued, by content where they are files; seed; a hash of the data), so versions, hashes and later
 * iterations run on real files, and equal inputs give equal bytes wherever the run directory is, as real
 * weights would. `fail` makes chosen calls throw, as a crash mid-run would.
 */
export interface FakeTrainerOptions {
  /** Return an error message to make this call (1-based) fail before anything is written. */
  fail?: (req: TrainRequest, call: number) => string | undefined;
}

export class FakeTrainer implements Trainer {
  /** Every request that got past the emptiness check, failed ones included. */
  readonly requests: TrainRequest[] = [];
  readonly referenceRequests: ReferenceLogprobsRequest[] = [];
  private calls = 0;

  constructor(private readonly o: FakeTrainerOptions = {}) {}

  async train(req: TrainRequest): Promise<TrainResult> {
    this.calls++;
    req.signal?.throwIfAborted();
    const objective = req.objective?.kind ?? "sft";
    const data = objective === "dpo" ? req.pairs : objective === "magdi" ? req.graphs : (req.examples ?? req.sequences);
    // The real trainers refuse an empty request too; callers must skip empty datasets themselves.
    if (!data?.length) throw new Error(`FakeTrainer: nothing to train on (${objective}, ${req.outPath})`);
    this.requests.push(req);
    const failure = this.o.fail?.(req, this.calls);
    if (failure) throw new Error(failure);
    const artifact = {
      fake: true,
      mode: req.mode,
      objective,
      base: contentId(req.baseModelPath),
      initAdapter: req.initAdapterPath === undefined ? null : contentId(req.initAdapterPath),
      seed: req.seed,
      rows: data.length,
      data: createHash("sha256").update(JSON.stringify(data)).digest("hex"),
    };
    const bytes = `${JSON.stringify(artifact)}\n`;
    mkdirSync(dirname(req.outPath), { recursive: true });
    writeFileSync(req.outPath, bytes);
    const loss = 1 / (1 + data.length);
    req.onProgress?.({ step: 1, totalSteps: 1, epoch: 1, loss, lr: req.optim?.lr ?? 0, tokensPerSecond: 0, etaSeconds: 0 });
    return {
      outPath: req.outPath,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      mode: req.mode,
      kind: req.mode,
      lossCurve: [{ step: 1, loss }],
      trainTokens: 0,
      tokensPerSecond: 0,
      seconds: 0,
      steps: 1,
      stoppedEarly: false,
      warnings: [],
    };
  }

  /** Deterministic stand-ins for the reference log-probs: a function of the reference model and the pair. */
  async referenceLogprobs(req: ReferenceLogprobsRequest): Promise<{ chosen: number; rejected: number }[]> {
    this.referenceRequests.push(req);
    const ref = [contentId(req.baseModelPath), req.adapterPath === undefined ? "" : contentId(req.adapterPath)];
    const logp = (...parts: string[]) => -1 - 9 * (deriveSeed("fake-ref", ...ref, ...parts) / 2 ** 32);
    return req.pairs.map((p) => ({
      chosen: logp(JSON.stringify(p.prompt), JSON.stringify(p.chosen)),
      rejected: logp(JSON.stringify(p.prompt), JSON.stringify(p.rejected)),
    }));
  }
}
