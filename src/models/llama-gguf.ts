import { gguf, writeGguf, type GgufTensor, type GgufValue, type TensorType } from "./gguf-writer.js";
import { createXoshiro128Rng } from "../util/rng.js";
import { tokenizerMetadata, VOCAB, VOCAB_SIZE } from "./tiny/tokenizer.js";

/**
 * llama-architecture GGUF models with our character vocabulary: hyperparameter metadata, the tensor
 * layout llama.cpp expects, and a seeded random initialization (the starting point of the tiny model,
 * and a fast stand-in model for tests).
 */

export interface LlamaShape {
  nLayer: number;
  nEmbd: number;
  nHead: number;
  /** Key/value heads (grouped-query attention when < nHead). Default nHead. */
  nHeadKv?: number;
  nFf: number;
  /** Training/serving context length written as llama.context_length. */
  ctx: number;
}

export interface LlamaHparams extends Required<LlamaShape> {
  nVocab: number;
  ropeFreqBase: number;
  rmsEps: number;
}

export function resolveHparams(shape: LlamaShape): LlamaHparams {
  const h = { ...shape, nHeadKv: shape.nHeadKv ?? shape.nHead, nVocab: VOCAB_SIZE, ropeFreqBase: 10000, rmsEps: 1e-5 };
  if (h.nEmbd % h.nHead !== 0) throw new RangeError(`nEmbd ${h.nEmbd} is not divisible by nHead ${h.nHead}`);
  if (h.nHead % h.nHeadKv !== 0) throw new RangeError(`nHead ${h.nHead} is not divisible by nHeadKv ${h.nHeadKv}`);
  if ((h.nEmbd / h.nHead) % 2 !== 0) throw new RangeError(`head size ${h.nEmbd / h.nHead} must be even for RoPE`);
  return h;
}

/** GGUF metadata for a llama model with our tokenizer. */
export function llamaMetadata(
  h: LlamaHparams,
  name: string,
  extra: Record<string, GgufValue> = {},
  fileType: TensorType = "F32",
): Record<string, GgufValue> {
  return {
    "general.architecture": gguf.str("llama"),
    "general.name": gguf.str(name),
    "general.file_type": gguf.u32(fileType === "F32" ? 0 : 1),
    "llama.vocab_size": gguf.u32(h.nVocab),
    "llama.context_length": gguf.u32(h.ctx),
    "llama.embedding_length": gguf.u32(h.nEmbd),
    "llama.block_count": gguf.u32(h.nLayer),
    "llama.feed_forward_length": gguf.u32(h.nFf),
    "llama.attention.head_count": gguf.u32(h.nHead),
    "llama.attention.head_count_kv": gguf.u32(h.nHeadKv),
    "llama.attention.layer_norm_rms_epsilon": gguf.f32(h.rmsEps),
    "llama.rope.dimension_count": gguf.u32(h.nEmbd / h.nHead),
    "llama.rope.freq_base": gguf.f32(h.ropeFreqBase),
    ...tokenizerMetadata(VOCAB),
    ...extra,
  };
}

export interface TensorSpec {
  name: string;
  /** ggml order (ne0 first): a weight [nIn, nOut] maps nIn inputs to nOut outputs. */
  shape: number[];
  kind: "embedding" | "norm" | "linear" | "residual-out" | "output";
}

/** The tensors llama.cpp's llama architecture loads, in file order. */
export function llamaTensorSpecs(h: LlamaHparams): TensorSpec[] {
  const kv = (h.nEmbd / h.nHead) * h.nHeadKv;
  const specs: TensorSpec[] = [{ name: "token_embd.weight", shape: [h.nEmbd, h.nVocab], kind: "embedding" }];
  for (let i = 0; i < h.nLayer; i++) {
    const b = `blk.${i}`;
    specs.push(
      { name: `${b}.attn_norm.weight`, shape: [h.nEmbd], kind: "norm" },
      { name: `${b}.attn_q.weight`, shape: [h.nEmbd, h.nEmbd], kind: "linear" },
      { name: `${b}.attn_k.weight`, shape: [h.nEmbd, kv], kind: "linear" },
      { name: `${b}.attn_v.weight`, shape: [h.nEmbd, kv], kind: "linear" },
      { name: `${b}.attn_output.weight`, shape: [h.nEmbd, h.nEmbd], kind: "residual-out" },
      { name: `${b}.ffn_norm.weight`, shape: [h.nEmbd], kind: "norm" },
      { name: `${b}.ffn_gate.weight`, shape: [h.nEmbd, h.nFf], kind: "linear" },
      { name: `${b}.ffn_up.weight`, shape: [h.nEmbd, h.nFf], kind: "linear" },
      { name: `${b}.ffn_down.weight`, shape: [h.nFf, h.nEmbd], kind: "residual-out" },
    );
  }
  specs.push(
    { name: "output_norm.weight", shape: [h.nEmbd], kind: "norm" },
    { name: "output.weight", shape: [h.nEmbd, h.nVocab], kind: "output" },
  );
  return specs;
}

export function countParams(h: LlamaHparams): number {
  return llamaTensorSpecs(h).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * GPT-2-style init: N(0, 0.02) for embeddings and projections, residual-branch outputs scaled by
 * 1/√(2·nLayer) so the residual stream starts near unit variance, RMS-norm gains at 1.
 */
export function randomLlamaTensors(h: LlamaHparams, seed: number, std = 0.02): (GgufTensor & { data: Float32Array })[] {
  const rng = createXoshiro128Rng(seed);
  return llamaTensorSpecs(h).map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (s.kind === "norm") data.fill(1);
    else {
      const sd = s.kind === "residual-out" ? std / Math.sqrt(2 * h.nLayer) : std;
      for (let i = 0; i < n; i++) data[i] = rng.normal() * sd;
    }
    return { name: s.name, shape: s.shape, type: "F32" as const, data };
  });
}

export interface RandomLlamaOptions extends LlamaShape {
  path: string;
  seed: number;
  name?: string;
  /** Extra metadata, e.g. the recipe a model was built from. */
  metadata?: Record<string, GgufValue>;
}

/** Writes a seeded random-init llama GGUF (F32, deterministic: same options ⇒ same bytes). Returns the path. */
export function createRandomLlamaGguf(opts: RandomLlamaOptions): string {
  const h = resolveHparams(opts);
  writeGguf(opts.path, {
    metadata: llamaMetadata(h, opts.name ?? `society-random-${opts.seed}`, opts.metadata),
    tensors: randomLlamaTensors(h, opts.seed),
  });
  return opts.path;
}
