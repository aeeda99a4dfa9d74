import { tensorInfo, type Ctx, type Ggml, type Tensor } from "../ffi/index.js";
import type { LoraSet } from "../lora.js";
import type { ModelWeights } from "./weights.js";

/** Graph inputs for one batch of B rows of T positions (N = T·B tokens, token index t + T·b). */
export interface GraphInputs {
  /** I32 [N] token ids. */
  tokens: Tensor;
  /** I32 [N] positions (restart at 0 for every packed sequence). */
  pos: Tensor;
  /** F32 [T, T, 1, B] additive attention mask: 0 where key k is visible from query q, −∞ elsewhere. */
  kqMask: Tensor;
}

/** LoRA dropout: per (layer, input) an I32 [N] index picking one random keep-mask row per token from a pool. */
export interface DropoutInputs {
  pools: Map<number, Tensor>; // input width → F32 [width, P] rows of 0 or 1/(1−p)
  idx: Map<string, Tensor>; // `${layer}:${site}` → I32 [N]
}

/** Which shared input a projection reads; projections reading the same activation share one dropout mask. */
export function dropoutSite(base: string): string {
  const m = /^(?:blk\.(\d+)\.)?(\w+)\.weight$/.exec(base);
  const layer = m?.[1] ?? "out";
  const t = m?.[2] ?? base;
  const site =
    t === "attn_q" || t === "attn_k" || t === "attn_v" || t === "attn_qkv" ? "attn_in" : t === "ffn_gate" || t === "ffn_up" ? "ffn_in" : t;
  return `${layer}:${site}`;
}

/** What the forward pass hands to a loss head (objectives/): no loss here, heads build their own. */
export interface ForwardOutputs {
  /** F32 [V, N] next-token logits. */
  logits: Tensor;
  /** F32 [n_embd, N]: the last hidden states (after the final RMSNorm, before the LM head). */
  hidden: Tensor;
}

/**
 * The llama-family forward pass over whole sequences (no KV cache): token embedding, per layer RMSNorm →
 * Q/K/V (+biases for qwen2) → optional per-head Q/K RMSNorm (qwen3) → RoPE → causal/packed attention with GQA →
 * output projection → residual → RMSNorm → SwiGLU FFN → residual; final RMSNorm and LM head (tied to the
 * embedding when output.weight is absent); Phi-3's fused attn_qkv and gate+up ffn_up are split by views. Mirrors
 * llama.cpp's src/models/{llama,qwen2,qwen3,phi3,gemma2}.cpp (Gemma 2: √n_embd-scaled embeddings, post-attention
 * and post-FFN RMSNorms, a GELU gate, attention and final-logit soft-capping) with
 * flash attention off, so logits match llama.cpp's up to float rounding.
 */
export function buildLlamaGraph(
  g: Ggml,
  ctx: Ctx,
  w: ModelWeights,
  lora: LoraSet | null,
  inp: GraphInputs,
  shape: { T: number; B: number },
  opts: { forBackward: boolean; dropout?: DropoutInputs },
): ForwardOutputs {
  const dropout = opts.dropout;
  const c = g.core;
  const hp = w.hp;
  const { T, B } = shape;
  const N = T * B;
  const hd = hp.headDim;
  const nh = hp.nHead;
  const nkv = hp.nHeadKv;
  const ropeFreqs = w.get("rope_freqs.weight") ?? null;

  /** y = W x (+ LoRA) (+ bias), exactly as llama.cpp's build_lora_mm followed by the bias add. */
  const linear = (base: string, x: Tensor, bias?: string): Tensor => {
    let y = c.mul_mat(ctx, w.must(base), x);
    const p = lora?.pairs.get(base);
    if (p && lora) {
      let xa = x;
      if (dropout) {
        const idx = dropout.idx.get(dropoutSite(base));
        const pool = dropout.pools.get(p.nIn);
        if (idx && pool) xa = c.mul(ctx, x, c.get_rows(ctx, pool, idx));
      }
      const ab = c.mul_mat(ctx, p.b, c.mul_mat(ctx, p.a, xa));
      y = c.add(ctx, y, c.scale(ctx, ab, lora.scale));
    }
    const b = bias ? w.get(bias) : undefined;
    return b ? c.add(ctx, y, b) : y;
  };
  const norm = (x: Tensor, weight: string): Tensor => c.mul(ctx, c.rms_norm(ctx, x, hp.rmsEps), w.must(weight));
  // ggml has no backward for TANH or GELU: both from ops that have one. tanh(u) = 1 − 2σ(−2u) = 1 − 2·e^(−softplus(2u)),
  // which never overflows. (llama.cpp's CPU GELU reads an F16 table: see the README for what that costs in logits.)
  const tanh = (u: Tensor): Tensor => c.scale_bias(ctx, c.exp(ctx, c.scale(ctx, c.softplus(ctx, c.scale(ctx, u, 2)), -1)), -2, 1);
  const softcap = (x: Tensor, cap: number): Tensor => c.scale(ctx, tanh(c.scale(ctx, x, 1 / cap)), cap);
  /** gelu(x) = ½x(1 + tanh(√(2/π)(x + 0.044715x³))), ggml's (tanh) form. */
  const gelu = (x: Tensor): Tensor => {
    const inner = c.scale(ctx, c.add(ctx, x, c.scale(ctx, c.mul(ctx, c.sqr(ctx, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
    return c.mul(ctx, c.scale(ctx, x, 0.5), c.scale_bias(ctx, tanh(inner), 1, 1));
  };
  const rope = (x: Tensor): Tensor =>
    c.rope_ext(
      ctx,
      x,
      inp.pos,
      ropeFreqs,
      hp.nRot,
      hp.ropeType,
      hp.nCtxOrig,
      hp.ropeFreqBase,
      hp.ropeFreqScale,
      hp.ropeExtFactor,
      hp.ropeAttnFactor,
      hp.ropeBetaFast,
      hp.ropeBetaSlow,
    );

  /**
   * Attention for B independent rows. Heads and rows are flattened into one dimension (head h of row b at
   * h + nh·b); since nh·b/r = nkv·b, ggml's broadcast of K/V over query-head groups (kv head = q head / r)
   * then pairs each query head with its own row's shared KV head, and mul_mat's backward handles the broadcast.
   */
  const attention = (q: Tensor, k: Tensor, v: Tensor): Tensor => {
    const q3 = c.reshape_3d(ctx, c.cont(ctx, c.permute(ctx, c.reshape_4d(ctx, q, hd, nh, T, B), 0, 2, 1, 3)), hd, T, nh * B);
    const k3 = c.reshape_3d(ctx, c.cont(ctx, c.permute(ctx, c.reshape_4d(ctx, k, hd, nkv, T, B), 0, 2, 1, 3)), hd, T, nkv * B);
    // V transposed to [T, hd] per head so that kqv = V^T · softmax(KQ).
    const vt = c.reshape_3d(ctx, c.cont(ctx, c.permute(ctx, c.reshape_4d(ctx, v, hd, nkv, T, B), 1, 2, 0, 3)), T, hd, nkv * B);
    let kq = c.mul_mat(ctx, k3, q3); // [T_k, T_q, nh·B]
    if (hp.attnSoftcap) kq = softcap(kq, hp.attnSoftcap);
    const sm = c.soft_max_ext(ctx, c.reshape_4d(ctx, kq, T, T, nh, B), inp.kqMask, hp.kqScale, 0);
    // ggml-alloc may compute SOFT_MAX_BACK in place over its src1 (the softmax output y), but the CPU kernel
    // overwrites dst with dy before multiplying by y, so it would read garbage. Flagging y as a graph output
    // forbids that reuse; in a training graph y stays alive until its backward use anyway, so it costs nothing.
    if (opts.forBackward) c.set_output(sm);
    const kqv = c.mul_mat(ctx, vt, c.reshape_3d(ctx, sm, T, T, nh * B)); // [hd, T_q, nh·B]
    return c.cont_2d(ctx, c.permute(ctx, c.reshape_4d(ctx, kqv, hd, T, nh, B), 0, 2, 1, 3), hd * nh, N);
  };

  let x = c.get_rows(ctx, w.must("token_embd.weight"), inp.tokens); // [n_embd, N]
  if (hp.embedScale) x = c.scale(ctx, x, hp.embedScale);
  for (let il = 0; il < hp.nLayer; il++) {
    const p = `blk.${il}.`;
    const h = norm(x, `${p}attn_norm.weight`);
    let q: Tensor;
    let k: Tensor;
    let v: Tensor;
    if (w.get(`${p}attn_qkv.weight`)) {
      // Phi-3's fused projection: rows [0, n_embd) are Q, then K, then V (views, as llama.cpp's phi3.cpp).
      const qkv = linear(`${p}attn_qkv.weight`, h, `${p}attn_qkv.bias`);
      const rows = (n: number, at: number) =>
        c.reshape_3d(ctx, c.cont(ctx, c.view_2d(ctx, qkv, n * hd, N, tensorInfo(qkv).nb[1], at * hd * 4)), hd, n, N);
      q = rows(nh, 0);
      k = rows(nkv, nh);
      v = rows(nkv, nh + nkv);
    } else {
      q = c.reshape_3d(ctx, linear(`${p}attn_q.weight`, h, `${p}attn_q.bias`), hd, nh, N);
      k = c.reshape_3d(ctx, linear(`${p}attn_k.weight`, h, `${p}attn_k.bias`), hd, nkv, N);
      v = c.reshape_3d(ctx, linear(`${p}attn_v.weight`, h, `${p}attn_v.bias`), hd, nkv, N);
    }
    if (hp.qkNorm) {
      q = norm(q, `${p}attn_q_norm.weight`);
      k = norm(k, `${p}attn_k_norm.weight`);
    }
    const a = attention(hp.qScale ? c.scale(ctx, rope(q), hp.qScale) : rope(q), rope(k), v);
    let o = linear(`${p}attn_output.weight`, a, `${p}attn_output.bias`);
    if (w.get(`${p}post_attention_norm.weight`)) o = norm(o, `${p}post_attention_norm.weight`);
    x = c.add(ctx, x, o);
    const f = norm(x, `${p}ffn_norm.weight`);
    let gate: Tensor;
    let up: Tensor;
    if (w.get(`${p}ffn_gate.weight`)) {
      gate = linear(`${p}ffn_gate.weight`, f, `${p}ffn_gate.bias`);
      up = linear(`${p}ffn_up.weight`, f, `${p}ffn_up.bias`);
    } else {
      // Fused gate+up (Phi-3): the first n_ff rows are the gate, as ggml_swiglu splits it.
      const gu = linear(`${p}ffn_up.weight`, f, `${p}ffn_up.bias`);
      const half = (at: number) => c.cont(ctx, c.view_2d(ctx, gu, hp.nFf, N, tensorInfo(gu).nb[1], at * hp.nFf * 4));
      gate = half(0);
      up = half(1);
    }
    let down = linear(`${p}ffn_down.weight`, hp.gelu ? c.mul(ctx, gelu(gate), up) : c.swiglu_split(ctx, gate, up), `${p}ffn_down.bias`);
    if (w.get(`${p}post_ffw_norm.weight`)) down = norm(down, `${p}post_ffw_norm.weight`);
    x = c.add(ctx, x, down);
  }
  const hOut = norm(x, "output_norm.weight");
  let logits = w.get("output.weight") ? linear("output.weight", hOut, "output.bias") : c.mul_mat(ctx, w.must("token_embd.weight"), hOut);
  if (hp.finalSoftcap) logits = softcap(logits, hp.finalSoftcap);
  return { logits, hidden: hOut };
}

/**
 * Mean-pooled hidden states over spans (MAGDi's node embeddings): `weights` is F32 [N, S] with 1/len(span s)
 * at the positions of span s and 0 elsewhere; the result is F32 [n_embd, S]. Differentiable (a matmul).
 */
export function spanMeans(g: Ggml, ctx: Ctx, hidden: Tensor, weights: Tensor): Tensor {
  const c = g.core;
  const [nEmbd, N] = tensorInfo(hidden).ne;
  // The no-op reshape matters: TRANSPOSE's backward hands back a transposed (non-contiguous) gradient, and
  // binary ops adding it to the LM head's gradient of `hidden` need contiguous rows; RESHAPE's backward makes it so.
  return c.mul_mat(ctx, c.cont(ctx, c.transpose(ctx, c.reshape_2d(ctx, hidden, nEmbd, N))), weights);
}
