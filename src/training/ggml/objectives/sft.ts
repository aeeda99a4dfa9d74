/**
 * `sft`: next-token cross-entropy on the trained tokens only (assistant replies; prompts are context), the
 * mean over trained tokens of each optimizer step. Sequences are packed into rows once; each epoch shuffles
 * the rows.
 */
import { UserError } from "../../../errors.js";
import type { TokenSequence } from "../../types.js";
import { microBatches, packRows, splitValidation, trimRows, type Row } from "../data/rows.js";
import { checkVocab, epochBatches, pickContext } from "./planning.js";
import type { HeadSetup, LossHead, MicroBatch, ObjectiveRunner } from "./objective.js";

export function sftHead(setup: HeadSetup): LossHead<null> {
  const c = setup.g.core;
  return {
    // ggml's cross_entropy_loss is the mean over all N positions: times N it is the sum over trained tokens.
    lossScale: setup.N,
    build(ctx, fwd, t) {
      // Rows without a target: the mask zeroes their logits, their label row is zero, so they add nothing to the
      // loss and — because the mask multiplies the gradient too — nothing to any gradient.
      return { loss: c.cross_entropy_loss(ctx, c.mul(ctx, fwd.logits, t.rowMask), t.labels), outputs: {} };
    },
    upload() {},
  };
}

const asBatches = (rows: Row[], B: number, T: number): MicroBatch<null>[] =>
  microBatches(rows, B, T).map((mb) => ({ rows: mb, units: mb.reduce((a, r) => a + r.nTargets, 0), payload: null }));

export const sft: ObjectiveRunner<null> = {
  validate(req) {
    if (req.pairs !== undefined) throw new UserError("train: pairs are for objective dpo; sft trains on examples or sequences");
    if ((req.examples === undefined) === (req.sequences === undefined))
      throw new UserError("train: give exactly one of examples or sequences");
    if (req.examples) {
      if (req.examples.length === 0) throw new UserError("train: no training examples");
      req.examples.forEach((ex, i) => {
        if (!ex || !Array.isArray(ex.messages) || ex.messages.length === 0) throw new UserError(`train: example ${i + 1} has no messages`);
        for (const m of ex.messages) {
          if (!["system", "user", "assistant"].includes(m?.role) || typeof m.content !== "string") {
            throw new UserError(`train: example ${i + 1} has an invalid message (role must be system/user/assistant, content a string)`);
          }
        }
        if (!ex.messages.some((m) => m.role === "assistant" && m.weight !== 0)) {
          throw new UserError(`train: example ${i + 1} has no assistant message to learn from (none, or all with weight 0)`);
        }
      });
    }
    if (req.sequences) {
      if (req.sequences.length === 0) throw new UserError("train: no training sequences");
      req.sequences.forEach((s, i) => {
        if (!Array.isArray(s.tokens) || !Array.isArray(s.lossMask) || s.tokens.length !== s.lossMask.length) {
          throw new UserError(`train: sequence ${i + 1} needs tokens and lossMask of equal length`);
        }
      });
    }
  },

  async plan(req, env) {
    let seqs: TokenSequence[];
    if (req.sequences) seqs = req.sequences;
    else {
      const r = await env.renderer();
      env.log(`rendering ${req.examples!.length} chat examples with ${r.description}`);
      seqs = await r.renderAll(req.examples!);
    }
    seqs.forEach((s, i) => checkVocab(s.tokens, env.nVocab, `sequence ${i + 1}`));
    const requestedT = pickContext(
      seqs.reduce((m, s) => Math.max(m, s.tokens.length - 1), 1),
      req.contextLength,
      env.nCtxTrain,
      env.warn,
    );
    const split = splitValidation(seqs, env.valFraction, env.seed);
    const trainPack = packRows(split.train, requestedT, env.pack);
    const valPack = packRows(split.val, requestedT, env.pack);
    const { T, train: trainRows, val: valRows } = trimRows(trainPack.rows, valPack.rows, requestedT);
    if (trainPack.split + valPack.split > 0)
      env.warn(`${trainPack.split + valPack.split} sequences longer than ${requestedT + 1} tokens were split into windows`);
    if (trainPack.empty + valPack.empty > 0)
      env.warn(`${trainPack.empty + valPack.empty} sequences have no trained tokens and were skipped`);
    if (trainPack.rows.length === 0) throw new UserError("train: no example has a token to train on");
    const epochs = epochBatches(trainRows, env, (rows) => asBatches(rows, env.B, T));
    return {
      T,
      epochs,
      validation: asBatches(valRows, env.B, T),
      head: sftHead,
      describe:
        `${trainRows.length} rows of ${T}${T < requestedT ? ` (padding of ${requestedT} cut)` : ""} (${split.train.length} sequences)` +
        (valRows.length ? `, ${valRows.length} validation rows` : ""),
    };
  },
};
