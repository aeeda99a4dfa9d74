/**
 * `dpo`: Direct Preference Optimization (Rafailov et al., 2023). Per pair, with log π(y|x) summed over the
 * reply's tokens only (the prompt is context):
 *   L = −log σ(β [(log π(y_w|x) − log π_ref(y_w|x)) − (log π(y_l|x) − log π_ref(y_l|x))]) = softplus(−β·m),
 * the mean over the pairs of each optimizer step. π_ref is the frozen reference — the model before this
 * round, i.e. exactly the weights training starts from (base, base + the adapter it continues, or the full
 * model it continues) — so reference log-probs the pairs lack are computed with the untouched session before
 * the first step; callers who store them with their dataset (`Trainer.referenceLogprobs`) skip that.
 *
 * Both replies of a pair go into the same micro-batch (packed into its rows like SFT sequences; each epoch
 * reshuffles the pairs and packs again). In the graph, per-position log-probs of the targets are summed per
 * reply by a 0/1 selection matrix, which keeps the graph fixed whatever the packing.
 */
import { UserError } from "../../../errors.js";
import { validatePairs } from "../../preference.js";
import type { ChatMessage, PreferencePair } from "../../types.js";
import type { ChatRenderer } from "../data/chat.js";
import { cutRow, emptyRow, placeSequence, splitValidation, trimmedLength, type Piece, type Row } from "../data/rows.js";
import { GGML_TYPE } from "../ffi/index.js";
import { checkVocab, cutPiece, epochBatches, pickContext } from "./planning.js";
import type { HeadSetup, LossHead, MicroBatch, ObjectiveRunner } from "./objective.js";
import { fitRows } from "./row-fit.js";

/** A tokenized pair; `ref` is filled from the request or by the reference pass. */
export interface TokenPair {
  chosen: Piece;
  rejected: Piece;
  ref?: { chosen: number; rejected: number };
}

/** Where a reply sits in a micro-batch: row b, packed segment seg. */
interface Slot {
  b: number;
  seg: number;
}

export interface DpoPayload {
  pairs: TokenPair[];
  chosen: Slot[];
  rejected: Slot[];
}

/** Log-probability floor: keeps log finite if a target's softmax underflows to 0 (its gradient is then 0). */
const TINY = 1e-30;

/**
 * The DPO loss head for micro-batches of at most P pairs. Outputs the sequence log-probs `chosen` and
 * `rejected` (F32 [1, P]) under the model being trained.
 */
export function dpoHead(beta: number, P: number): (setup: HeadSetup) => LossHead<DpoPayload> {
  return (setup) => {
    const { g, N, T } = setup;
    const c = g.core;
    const selChosen = setup.input("dpo_sel_chosen", GGML_TYPE.F32, [N, P]);
    const selRejected = setup.input("dpo_sel_rejected", GGML_TYPE.F32, [N, P]);
    const refMargin = setup.input("dpo_ref_margin", GGML_TYPE.F32, [1, P]);
    const pairMask = setup.input("dpo_pair_mask", GGML_TYPE.F32, [1, P]);
    const hSelC = new Float32Array(N * P);
    const hSelR = new Float32Array(N * P);
    const hRef = new Float32Array(P);
    const hMask = new Float32Array(P);
    const { backend } = g;
    return {
      lossScale: 1,
      build(ctx, fwd, t, o) {
        const sm = c.soft_max_ext(ctx, fwd.logits, null, 1, 0); // [V, N]
        // As in the attention (model/graph.ts): keep SOFT_MAX_BACK from being computed over its own input.
        if (o.forBackward) c.set_output(sm);
        const pTarget = c.sum_rows(ctx, c.mul(ctx, sm, t.labels)); // [1, N]; 0 where there is no target
        // log p at trained positions; log 1 = 0 elsewhere (rowMask 0), so untrained positions give no NaN.
        const lp = c.log(ctx, c.add(ctx, c.scale_bias(ctx, pTarget, 1, TINY), c.scale_bias(ctx, t.rowMask, -1, 1)));
        const col = c.reshape_2d(ctx, lp, N, 1);
        const lpChosen = c.mul_mat(ctx, col, selChosen); // [1, P]: Σ over each chosen reply's targets
        const lpRejected = c.mul_mat(ctx, col, selRejected);
        const margin = c.sub(ctx, c.sub(ctx, lpChosen, lpRejected), refMargin);
        const loss = c.sum(ctx, c.mul(ctx, c.softplus(ctx, c.scale(ctx, margin, -beta)), pairMask));
        return { loss, outputs: { chosen: lpChosen, rejected: lpRejected } };
      },
      upload(mb) {
        const { pairs, chosen, rejected } = mb.payload;
        if (pairs.length > P) throw new Error(`micro-batch of ${pairs.length} pairs, the head holds ${P}`);
        hSelC.fill(0);
        hSelR.fill(0);
        hRef.fill(0);
        hMask.fill(0);
        // (row, segment) → (pair, which reply)
        const slotOf = new Map<number, { k: number; sel: Float32Array }>();
        const key = (s: Slot) => s.b * (T + 1) + s.seg;
        pairs.forEach((p, k) => {
          slotOf.set(key(chosen[k]), { k, sel: hSelC });
          slotOf.set(key(rejected[k]), { k, sel: hSelR });
          hRef[k] = p.ref ? p.ref.chosen - p.ref.rejected : 0;
          hMask[k] = 1;
        });
        mb.rows.forEach((row, b) => {
          for (let q = 0; q < T; q++) {
            if (!row.loss[q]) continue;
            const s = slotOf.get(b * (T + 1) + row.seg[q]);
            if (s) s.sel[s.k * N + b * T + q] = 1;
          }
        });
        backend.tensor_set(selChosen, hSelC, 0, hSelC.length * 4);
        backend.tensor_set(selRejected, hSelR, 0, hSelR.length * 4);
        backend.tensor_set(refMargin, hRef, 0, P * 4);
        backend.tensor_set(pairMask, hMask, 0, P * 4);
      },
      metrics(out, mb) {
        // TRL's names: implicit rewards β·(log π − log π_ref), their margin, and how often chosen > rejected.
        const m = {
          "rewards/chosen": 0,
          "rewards/rejected": 0,
          "rewards/margins": 0,
          "rewards/accuracies": 0,
          "logps/chosen": 0,
          "logps/rejected": 0,
        };
        mb.payload.pairs.forEach((p, k) => {
          const lc = out.chosen![k]!;
          const lr = out.rejected![k]!;
          const rc = beta * (lc - (p.ref?.chosen ?? lc));
          const rr = beta * (lr - (p.ref?.rejected ?? lr));
          m["rewards/chosen"] += rc;
          m["rewards/rejected"] += rr;
          m["rewards/margins"] += rc - rr;
          m["rewards/accuracies"] += rc > rr ? 1 : 0;
          m["logps/chosen"] += lc;
          m["logps/rejected"] += lr;
        });
        return m;
      },
    };
  };
}

/**
 * Packs pairs, in the given order, into micro-batches of B rows of T positions: both replies of a pair in the
 * same micro-batch, first fit into its rows (or one reply per row without packing).
 */
export function packPairs(pairs: TokenPair[], T: number, B: number, pack: boolean): MicroBatch<DpoPayload>[] {
  const out: MicroBatch<DpoPayload>[] = [];
  let rows: Row[] = [];
  let used: number[] = [];
  let payload: DpoPayload = { pairs: [], chosen: [], rejected: [] };
  const flush = () => {
    if (payload.pairs.length > 0) {
      while (rows.length < B) rows.push(emptyRow(T));
      out.push({ rows, units: payload.pairs.length, payload });
    }
    rows = [];
    used = [];
    payload = { pairs: [], chosen: [], rejected: [] };
  };
  /** The row each reply would go to, or null if the pair does not fit this micro-batch. */
  const fit = (lens: number[]) => fitRows(used, lens, { pack, B, T });
  for (const p of pairs) {
    const pieces = [p.chosen, p.rejected];
    const lens = pieces.map((x) => x.tokens.length - 1);
    let at = fit(lens);
    if (!at) {
      flush();
      at = fit(lens);
      if (!at) throw new Error(`a pair of ${lens.join(" + ")} positions does not fit ${B} rows of ${T}`);
    }
    const slots = pieces.map((piece, j) => {
      const r = at![j]!;
      while (rows.length <= r) {
        rows.push(emptyRow(T));
        used.push(0);
      }
      const seg = placeSequence(rows[r]!, used[r]!, piece);
      used[r]! += lens[j]!;
      return { b: r, seg };
    });
    payload.pairs.push(p);
    payload.chosen.push(slots[0]!);
    payload.rejected.push(slots[1]!);
  }
  flush();
  return out;
}

/** The reply is trained (its assistant tokens and end of turn); the prompt's assistant turns are context. */
function renderReply(r: ChatRenderer, prompt: ChatMessage[], reply: ChatMessage[]): Piece {
  const messages: ChatMessage[] = [
    ...prompt.map((m) =>
      m.role === "assistant" ? { role: m.role, content: m.content, weight: 0 as const } : { role: m.role, content: m.content },
    ),
    ...reply.map((m) => ({ role: m.role, content: m.content })),
  ];
  const s = r.render({ messages });
  return { tokens: s.tokens, mask: s.lossMask };
}

const hasTarget = (p: Piece) => p.mask.some((m, i) => i > 0 && m);

export interface TokenizeEnv {
  renderer(): Promise<ChatRenderer>;
  nVocab: number;
  nCtxTrain: number;
  contextLength?: number;
  warn(m: string): void;
}

/**
 * Renders and tokenizes the pairs, cuts replies that do not fit a row (keeping their start), and drops pairs
 * left without a trained token in either reply. `tokens` holds one entry per input pair (null if dropped).
 */
export async function tokenizePairs(pairs: PreferencePair[], env: TokenizeEnv): Promise<{ T: number; tokens: (TokenPair | null)[] }> {
  const r = await env.renderer();
  const all = pairs.map((p): TokenPair => {
    const t: TokenPair = { chosen: renderReply(r, p.prompt, p.chosen), rejected: renderReply(r, p.prompt, p.rejected) };
    if (Number.isFinite(p.refChosenLogp) && Number.isFinite(p.refRejectedLogp))
      t.ref = { chosen: p.refChosenLogp!, rejected: p.refRejectedLogp! };
    return t;
  });
  all.forEach((p, i) => checkVocab([...p.chosen.tokens, ...p.rejected.tokens], env.nVocab, `pair ${i + 1}`));
  const longest = all.reduce((m, p) => Math.max(m, p.chosen.tokens.length - 1, p.rejected.tokens.length - 1), 1);
  const T = pickContext(longest, env.contextLength, env.nCtxTrain, env.warn);
  let cut = 0;
  let dropped = 0;
  const tokens = all.map((p) => {
    for (const k of ["chosen", "rejected"] as const) {
      const c = cutPiece(p[k], T);
      if (c !== p[k]) cut++;
      p[k] = c;
    }
    if (hasTarget(p.chosen) && hasTarget(p.rejected)) return p;
    dropped++;
    return null;
  });
  if (cut > 0)
    env.warn(
      `${cut} replies longer than ${T + 1} tokens (prompt + reply) were cut to that length; stored reference log-probs must come from the same contextLength`,
    );
  if (dropped > 0) env.warn(`${dropped} pairs have a reply with no token left to train on and were skipped`);
  return { T, tokens };
}

export function dpo(o: { beta: number }): ObjectiveRunner<DpoPayload> {
  const beta = o.beta;
  return {
    validate(req) {
      if (!(Number.isFinite(beta) && beta > 0))
        throw new UserError(`train: objective.beta must be a number > 0, got ${JSON.stringify(beta)}`);
      if (req.examples !== undefined || req.sequences !== undefined)
        throw new UserError("train: objective dpo trains on pairs, not examples or sequences");
      validatePairs(req.pairs);
    },

    async plan(req, env) {
      const { T: seqT, tokens } = await tokenizePairs(req.pairs!, { ...env, contextLength: req.contextLength });
      const kept = tokens.filter((p): p is TokenPair => p !== null);
      if (kept.length === 0) throw new UserError("train: no pair has a reply with a token to train on");
      // With one row per micro-batch, a row must hold both replies of a pair.
      let T = seqT;
      if (env.B === 1) {
        const need = kept.reduce((m, p) => Math.max(m, p.chosen.tokens.length + p.rejected.tokens.length - 2), 1);
        if (req.contextLength !== undefined && need > req.contextLength) {
          throw new UserError(
            `train: with batchSize 1 a row holds both replies of a pair (up to ${need} positions here); raise contextLength or batchSize`,
          );
        }
        T = pickContext(need, req.contextLength, env.nCtxTrain, env.warn);
        if (need > T)
          throw new UserError(
            `train: with batchSize 1 a row holds both replies of a pair (${need} positions) but the model's context is ${T}; use batchSize ≥ 2`,
          );
      }
      const split = splitValidation(kept, env.valFraction, env.seed);
      const packed = epochBatches(split.train, env, (pairs) => packPairs(pairs, T, env.B, env.pack));
      const valPacked = packPairs(split.val, T, env.B, env.pack);
      const missing = kept.filter((p) => !p.ref);
      const refPacked = packPairs(missing, T, env.B, env.pack);
      // Packed at the requested context, then cut to the fullest row (see trimmedLength): same rows, less padding.
      const requestedT = T;
      T = trimmedLength(
        [...packed.flat(), ...valPacked, ...refPacked].flatMap((mb) => mb.rows),
        requestedT,
      );
      const cut = (mbs: MicroBatch<DpoPayload>[]) => mbs.map((mb) => ({ ...mb, rows: mb.rows.map((r) => cutRow(r, T)) }));
      const epochs = packed.map(cut);
      const validation = cut(valPacked);
      const refBatches = cut(refPacked);
      const P = [...epochs.flat(), ...validation, ...refBatches].reduce((m, mb) => Math.max(m, mb.units), 1);
      const rows = epochs[0]?.reduce((a, mb) => a + mb.rows.filter((r) => r.nTokens > 0).length, 0) ?? 0;
      return {
        T,
        epochs,
        validation,
        head: dpoHead(beta, P),
        async beforeTraining(s, log) {
          if (missing.length === 0) return;
          for (const mb of refBatches) {
            s.setMicroBatch(mb);
            const out = await s.evalOutputs();
            mb.payload.pairs.forEach((p, k) => (p.ref = { chosen: out.chosen![k]!, rejected: out.rejected![k]! }));
          }
          log(`computed the reference log-probs of ${missing.length} pairs with the initial model`);
        },
        describe:
          `${split.train.length} preference pairs (β ${beta}) in ${rows} rows of ${T}${T < requestedT ? ` (padding of ${requestedT} cut)` : ""}` +
          (split.val.length ? `, ${split.val.length} validation pairs` : ""),
      };
    },
  };
}
