import { ROPE_TYPE } from "../ffi/index.js";
import type { GgufFile } from "../gguf/read.js";

/** Architectures whose graph we build. They share the llama block; the differences are data, listed here. */
export const SUPPORTED_ARCHS = {
  llama: { rope: ROPE_TYPE.NORM, qkNorm: false },
  qwen2: { rope: ROPE_TYPE.NEOX, qkNorm: false },
  qwen3: { rope: ROPE_TYPE.NEOX, qkNorm: true },
  // Fused attn_qkv [n_embd, n_embd + 2·n_embd_kv] and ffn_up [n_embd, 2·n_ff] (gate first), no ffn_gate.
  phi3: { rope: ROPE_TYPE.NEOX, qkNorm: false },
  // Scaled embeddings, post-attention/post-FFN norms, GELU FFN, attention and final-logit soft-capping.
  gemma2: { rope: ROPE_TYPE.NEOX, qkNorm: false },
} as const;
export type Arch = keyof typeof SUPPORTED_ARCHS;

/** The hyper-parameters of a llama-family model, read from its GGUF as llama.cpp reads them. */
export interface HParams {
  arch: Arch;
  nVocab: number;
  nCtxTrain: number;
  nEmbd: number;
  nLayer: number;
  nFf: number;
  nHead: number;
  nHeadKv: number;
  headDim: number;
  nRot: number;
  rmsEps: number;
  ropeType: number;
  ropeFreqBase: number;
  ropeFreqScale: number;
  ropeExtFactor: number;
  ropeAttnFactor: number;
  ropeBetaFast: number;
  ropeBetaSlow: number;
  nCtxOrig: number;
  /** Attention logit scale (1/sqrt(headDim) unless the GGUF says otherwise). */
  kqScale: number;
  qkNorm: boolean;
  /** Gemma 2: the token embeddings are multiplied by √n_embd. */
  embedScale?: number;
  /** Gemma 2: attention scores are soft-capped, cap·tanh(s/cap), before the softmax (Q pre-scaled by qScale). */
  attnSoftcap?: number;
  /** Gemma 2: Q is multiplied by this after RoPE (kqScale is then 1). */
  qScale?: number;
  /** Gemma 2: logits are soft-capped, cap·tanh(z/cap). */
  finalSoftcap?: number;
  /** Gemma 2: GELU (tanh form) gates the FFN instead of SiLU. */
  gelu?: boolean;
  /** Gemma 2: every other layer attends within this many positions (rows longer than it are refused). */
  slidingWindow?: number;
}

export class UnsupportedModelError extends Error {}

function num(f: GgufFile, key: string): number | undefined {
  const v = f.get(key);
  if (v === undefined) return undefined;
  if (Array.isArray(v)) {
    const xs = v.map(Number);
    if (xs.some((x) => x !== xs[0])) throw new UnsupportedModelError(`${key} differs between layers; per-layer values are not supported`);
    return xs[0];
  }
  return Number(v);
}

function need(f: GgufFile, key: string): number {
  const v = num(f, key);
  if (v === undefined) throw new UnsupportedModelError(`${f.path}: missing GGUF key ${key}`);
  return v;
}

export function readHParams(f: GgufFile): HParams {
  const archName = String(f.get("general.architecture") ?? "");
  if (!(archName in SUPPORTED_ARCHS)) {
    throw new UnsupportedModelError(
      `architecture "${archName}" is not supported by the ggml trainer (supported: ${Object.keys(SUPPORTED_ARCHS).join(", ")})`,
    );
  }
  const arch = archName as Arch;
  const a = (k: string) => `${arch}.${k}`;
  if ((num(f, a("expert_count")) ?? 0) > 0) throw new UnsupportedModelError("mixture-of-experts models are not supported");
  const nEmbd = need(f, a("embedding_length"));
  const nHead = need(f, a("attention.head_count"));
  const nHeadKv = num(f, a("attention.head_count_kv")) ?? nHead;
  const headDim = num(f, a("attention.key_length")) ?? nEmbd / nHead;
  const headDimV = num(f, a("attention.value_length")) ?? headDim;
  if (headDimV !== headDim) throw new UnsupportedModelError("different key and value head sizes are not supported");
  if (nHead % nHeadKv !== 0) throw new UnsupportedModelError(`head_count ${nHead} is not a multiple of head_count_kv ${nHeadKv}`);
  const nRot = num(f, a("rope.dimension_count")) ?? headDim;
  if (nRot !== headDim) throw new UnsupportedModelError("partial RoPE (rope.dimension_count != head size) is not supported");
  const tokens = f.get("tokenizer.ggml.tokens");
  const embd = f.tensors.find((t) => t.name === "token_embd.weight");
  const nVocab = num(f, a("vocab_size")) ?? (Array.isArray(tokens) ? tokens.length : undefined) ?? embd?.ne[1];
  if (!nVocab) throw new UnsupportedModelError("cannot determine the vocabulary size");
  const nCtxTrain = num(f, a("context_length")) ?? 2048;

  // RoPE scaling, as llama_context resolves it from the training hyper-parameters.
  const scalingType = String(f.get(a("rope.scaling.type")) ?? "linear");
  const factor = num(f, a("rope.scaling.factor")) ?? num(f, a("rope.scale_linear")) ?? 0;
  let freqScale = factor === 0 ? 1 : 1 / factor;
  let extFactor = 0;
  let attnFactor = 1;
  if (scalingType === "none") freqScale = 1;
  else if (scalingType === "yarn") {
    extFactor = 1;
    if (num(f, a("rope.scaling.yarn_log_multiplier"))) throw new UnsupportedModelError("YaRN with a log multiplier is not supported");
    // get_mscale(1/freqScale) cancelled by llama.cpp's 1/(1 + 0.1 ln factor): 1 for plain YaRN.
  } else if (scalingType !== "linear") throw new UnsupportedModelError(`RoPE scaling "${scalingType}" is not supported`);
  attnFactor *= num(f, a("rope.scaling.attn_factor")) ?? 1;
  const attnScale = num(f, a("attention.scale")) ?? 0;
  // Phi-3's 128k models scale RoPE per dimension (LongRoPE: rope_factors_long/short, chosen by context length).
  if (f.tensors.some((t) => t.name === "rope_factors_long.weight" || t.name === "rope_factors_short.weight")) {
    throw new UnsupportedModelError("LongRoPE (rope_factors_long/short, e.g. Phi-3 128k) is not supported; the 4k-context models are");
  }

  const gemma2 =
    arch === "gemma2"
      ? {
          embedScale: Math.sqrt(nEmbd),
          attnSoftcap: num(f, a("attn_logit_softcapping")) ?? 50,
          finalSoftcap: num(f, a("final_logit_softcapping")) ?? 30,
          // llama.cpp's f_attention_scale: 1/√head_dim (its 27B variant, n_embd/n_head, is told by layer count 46).
          qScale: need(f, a("block_count")) === 46 ? 1 / Math.sqrt(nEmbd / nHead) : 1 / Math.sqrt(headDim),
          gelu: true,
          slidingWindow: num(f, a("attention.sliding_window")) ?? 4096,
        }
      : {};
  return {
    ...gemma2,
    arch,
    nVocab,
    nCtxTrain,
    nEmbd,
    nLayer: need(f, a("block_count")),
    nFf: need(f, a("feed_forward_length")),
    nHead,
    nHeadKv,
    headDim,
    nRot,
    rmsEps: need(f, a("attention.layer_norm_rms_epsilon")),
    ropeType: SUPPORTED_ARCHS[arch].rope,
    ropeFreqBase: num(f, a("rope.freq_base")) ?? 10000,
    ropeFreqScale: freqScale,
    ropeExtFactor: extFactor,
    ropeAttnFactor: attnFactor,
    ropeBetaFast: 32,
    ropeBetaSlow: 1,
    nCtxOrig: num(f, a("rope.scaling.original_context_length")) ?? nCtxTrain,
    kqScale: arch === "gemma2" ? 1 : attnScale === 0 ? 1 / Math.sqrt(headDim) : attnScale,
    qkNorm: SUPPORTED_ARCHS[arch].qkNorm,
  };
}
