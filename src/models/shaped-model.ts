import { f32ToF16Bits, gguf, writeGguf, type GgufTensor, type GgufValue } from "./gguf-writer.js";
import { llamaMetadata, resolveHparams, type LlamaHparams } from "./llama-gguf.js";
import { createXoshiro128Rng } from "../util/rng.js";
import { tokenize, tokenizerMetadata, TOKEN_TYPE, VOCAB, type Vocab } from "./tiny/tokenizer.js";

/**
 * Random-weight GGUFs of real models' shapes, for throughput and memory figures (which do not depend on
 * the weights): the layer count, widths, heads, vocabulary size, tied head and RoPE of e.g. Llama-3.2-1B,
 * with our character vocabulary padded by unused tokens to the real size. Optionally *scripted*: every
 * reply is `prefix` filler tokens (invisible, distinct) then a fixed text and <|im_end|>, so a debate on it
 * has parseable answers and non-empty training sets — the whole loop runs at the real shape's cost.
 */
export interface ModelSize {
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nHeadKv: number;
  nFf: number;
  nVocab: number;
  ctx: number;
  ropeFreqBase: number;
  tiedOutput: boolean;
  /** Llama 3.1+'s RoPE frequency factors (rope_freqs.weight): factor, low/high frequency factors, original context. */
  llama3Rope?: { factor: number; low: number; high: number; origCtx: number };
}

const LLAMA3_ROPE = { factor: 32, low: 1, high: 4, origCtx: 8192 };
/** What the Llama 3.1+ models share: the 128k vocabulary and context, RoPE base, 8 KV heads, (3.2's) RoPE scaling. */
const LLAMA3 = { nHeadKv: 8, nVocab: 128256, ctx: 131072, ropeFreqBase: 500000, llama3Rope: LLAMA3_ROPE };

/** The shapes of Meta's Llama 3 models (config.json of each), as llama.cpp converts them. */
export const LLAMA_SIZES: Record<string, ModelSize> = {
  "1b": { ...LLAMA3, nLayer: 16, nEmbd: 2048, nHead: 32, nFf: 8192, tiedOutput: true },
  "3b": { ...LLAMA3, nLayer: 28, nEmbd: 3072, nHead: 24, nFf: 8192, tiedOutput: true },
  "8b": { ...LLAMA3, nLayer: 32, nEmbd: 4096, nHead: 32, nFf: 14336, tiedOutput: false, llama3Rope: { ...LLAMA3_ROPE, factor: 8 } },
  /** Same structure, CPU-sized: what --quick runs. */
  tiny: { ...LLAMA3, nLayer: 2, nEmbd: 128, nHead: 4, nHeadKv: 2, nFf: 256, nVocab: 4096, ctx: 4096, tiedOutput: true },
};

export interface ShapedModelOptions {
  path: string;
  size: ModelSize;
  seed: number;
  type?: "F16" | "F32";
  /** Replies of `prefix` filler tokens, then `reply`, then <|im_end|>. */
  script?: { reply: string; prefix: number };
  name?: string;
}

/** Our vocabulary followed by `<|unused_N|>` tokens (type UNUSED: never matched in text, never special-parsed). */
export function paddedVocab(n: number): Vocab {
  if (n < VOCAB.tokens.length) throw new RangeError(`a vocabulary needs at least ${VOCAB.tokens.length} tokens`);
  const extra = n - VOCAB.tokens.length;
  const tokens = [...VOCAB.tokens, ...Array.from({ length: extra }, (_, i) => `<|unused_${i}|>`)];
  const types = [...VOCAB.types, ...new Array<number>(extra).fill(TOKEN_TYPE.UNUSED)];
  const scores = [...VOCAB.scores, ...new Array<number>(extra).fill(0)];
  return { ...VOCAB, tokens, types, scores, ids: new Map(tokens.map((t, i) => [t, i])) };
}

/** llama.cpp's llama3 RoPE factors (convert_hf_to_gguf.py, LlamaModel.generate_extra_tensors). */
export function llama3RopeFactors(headDim: number, base: number, r: NonNullable<ModelSize["llama3Rope"]>): Float32Array {
  const out = new Float32Array(headDim / 2);
  const lowWavelen = r.origCtx / r.low;
  const highWavelen = r.origCtx / r.high;
  for (let i = 0; i < headDim / 2; i++) {
    const freq = 1 / base ** ((2 * i) / headDim);
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = r.factor;
    else {
      const smooth = (r.origCtx / wavelen - r.low) / (r.high - r.low);
      out[i] = 1 / ((1 - smooth) / r.factor + smooth);
    }
  }
  return out;
}

export function createShapedLlamaGguf(o: ShapedModelOptions): string {
  const s = o.size;
  const type = o.type ?? "F16";
  const h: LlamaHparams = {
    ...resolveHparams({ nLayer: s.nLayer, nEmbd: s.nEmbd, nHead: s.nHead, nHeadKv: s.nHeadKv, nFf: s.nFf, ctx: s.ctx }),
    nVocab: s.nVocab,
    ropeFreqBase: s.ropeFreqBase,
  };
  const vocab = paddedVocab(s.nVocab);
  const hd = s.nEmbd / s.nHead;
  const kv = hd * s.nHeadKv;
  const rng = createXoshiro128Rng(o.seed);
  // Uniform weights on a 65 536-point grid of ±a (a = std·√3): one u32 per value, F16 bits from a table.
  const uniform = (n: number, std: number): Float32Array | Uint16Array => {
    const a = std * Math.sqrt(3);
    const grid = (k: number) => -a + (2 * a * (k + 0.5)) / 65536;
    if (type === "F16") {
      const table = new Uint16Array(65536);
      for (let k = 0; k < 65536; k++) table[k] = f32ToF16Bits(grid(k));
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = table[(rng.next() * 65536) | 0]!;
      return out;
    }
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = grid((rng.next() * 65536) | 0);
    return out;
  };
  const ones = (n: number) => new Float32Array(n).fill(1);
  // Scripted: small layer weights keep the residual stream on the current token's embedding.
  const layerStd = o.script ? 1e-3 : 0.02;
  const t: GgufTensor[] = [];
  const w = (name: string, shape: number[], std: number) => t.push({ name, shape, type, data: () => uniform(shape[0]! * shape[1]!, std) });
  const chain = o.script ? scriptChain(vocab, o.script) : undefined;
  if (chain) {
    const { embd, out } = scriptedHead(vocab.tokens.length, s.nEmbd, chain, o.seed);
    t.push({ name: "token_embd.weight", shape: [s.nEmbd, s.nVocab], type, data: () => maybeF16(embd, type) });
    t.push({ name: "output.weight", shape: [s.nEmbd, s.nVocab], type, data: () => maybeF16(out, type) });
  } else {
    w("token_embd.weight", [s.nEmbd, s.nVocab], 0.02);
  }
  if (s.llama3Rope)
    t.push({ name: "rope_freqs.weight", shape: [hd / 2], type: "F32", data: llama3RopeFactors(hd, s.ropeFreqBase, s.llama3Rope) });
  for (let i = 0; i < s.nLayer; i++) {
    const b = `blk.${i}`;
    const res = layerStd / Math.sqrt(2 * s.nLayer);
    t.push({ name: `${b}.attn_norm.weight`, shape: [s.nEmbd], type: "F32", data: () => ones(s.nEmbd) });
    w(`${b}.attn_q.weight`, [s.nEmbd, s.nEmbd], layerStd);
    w(`${b}.attn_k.weight`, [s.nEmbd, kv], layerStd);
    w(`${b}.attn_v.weight`, [s.nEmbd, kv], layerStd);
    w(`${b}.attn_output.weight`, [s.nEmbd, s.nEmbd], res);
    t.push({ name: `${b}.ffn_norm.weight`, shape: [s.nEmbd], type: "F32", data: () => ones(s.nEmbd) });
    w(`${b}.ffn_gate.weight`, [s.nEmbd, s.nFf], layerStd);
    w(`${b}.ffn_up.weight`, [s.nEmbd, s.nFf], layerStd);
    w(`${b}.ffn_down.weight`, [s.nFf, s.nEmbd], res);
  }
  t.push({ name: "output_norm.weight", shape: [s.nEmbd], type: "F32", data: () => ones(s.nEmbd) });
  if (!s.tiedOutput && !chain) w("output.weight", [s.nEmbd, s.nVocab], 0.02);
  const meta: Record<string, GgufValue> = {
    ...llamaMetadata(h, o.name ?? `society-shaped-${s.nLayer}x${s.nEmbd}`, {}, type),
    ...tokenizerMetadata(vocab),
    "llama.vocab_size": gguf.u32(s.nVocab),
  };
  writeGguf(o.path, { metadata: meta, tensors: t });
  return o.path;
}

function maybeF16(x: Float32Array, type: "F16" | "F32"): Float32Array | Uint16Array {
  if (type === "F32") return x;
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f32ToF16Bits(x[i]!);
  return out;
}

/** The tokens of a scripted reply, from the prompt's last token ("\n" after "assistant"). */
function scriptChain(v: Vocab, script: { reply: string; prefix: number }): number[] {
  const unused = v.tokens.length - VOCAB.tokens.length;
  if (script.prefix > unused)
    throw new RangeError(`a ${script.prefix}-token prefix needs as many unused tokens; the vocabulary has ${unused}`);
  const fillers = Array.from({ length: script.prefix }, (_, i) => VOCAB.tokens.length + i);
  const chain = [...tokenize("\n"), ...fillers, ...tokenize(script.reply), VOCAB.imEnd];
  if (new Set(chain).size !== chain.length) throw new RangeError(`scripted reply ${JSON.stringify(script.reply)} repeats a token`);
  return chain;
}

/**
 * Bigram wiring in d dimensions: random unit-ish embeddings (nearly orthogonal for large d), and output
 * rows pointing at the embedding of each chain token's predecessor, so the next-token logit of the chain
 * is ≈ 60 and every other ≈ N(0, 1.5): sampling at temperature 1 follows the chain.
 */
function scriptedHead(V: number, d: number, chain: number[], seed: number): { embd: Float32Array; out: Float32Array } {
  const rng = createXoshiro128Rng(seed ^ 0x5eed);
  const embd = new Float32Array(V * d);
  for (let i = 0; i < embd.length; i++) embd[i] = rng.normal() / Math.sqrt(d);
  const out = new Float32Array(V * d);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * 0.02;
  const beta = 60 / Math.sqrt(d); // logit = beta · √d · cos(embedding, target)
  for (let i = 0; i + 1 < chain.length; i++) {
    const prev = chain[i]!,
      next = chain[i + 1]!;
    let q = 0;
    for (let j = 0; j < d; j++) q += embd[prev * d + j]! ** 2;
    const inv = 1 / Math.sqrt(q);
    for (let j = 0; j < d; j++) out[next * d + j] = beta * embd[prev * d + j]! * inv;
  }
  return { embd, out };
}
