/**
 * Our LoRA targets (GGUF tensor names) as Hugging Face transformers modules, the names PEFT keys its
 * adapters by, e.g. blk.0.attn_q.weight ↔ base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight.
 * The same mapping llama.cpp's convert_hf_to_gguf.py applies (gguf-py's tensor map for llama/qwen2/qwen3/gemma2;
 * Gemma 2's projections carry the llama names and its Q/K rows are not permuted).
 */

const LAYER_MODULES: Record<string, string> = {
  attn_q: "self_attn.q_proj",
  attn_k: "self_attn.k_proj",
  attn_v: "self_attn.v_proj",
  attn_output: "self_attn.o_proj",
  ffn_gate: "mlp.gate_proj",
  ffn_up: "mlp.up_proj",
  ffn_down: "mlp.down_proj",
};
const BY_MODULE = new Map(Object.entries(LAYER_MODULES).map(([t, m]) => [m, t]));

/**
 * Architectures whose modules this mapping names correctly. Phi-3's fused qkv_proj / gate_up_proj are not
 * mapped yet (its ffn_up is gate_up_proj, not up_proj): refused rather than written under the wrong names.
 */
export const PEFT_ARCHS: ReadonlySet<string> = new Set(["llama", "qwen2", "qwen3", "gemma2"]);

/** PEFT wraps the transformers model twice: PeftModel.base_model (LoraModel) .model (…ForCausalLM). */
export const PEFT_PREFIX = "base_model.model.";

/** The transformers module a GGUF base tensor (`blk.3.attn_q.weight`, `output.weight`) is, or undefined. */
export function hfModule(ggufBase: string): string | undefined {
  if (ggufBase === "output.weight") return "lm_head";
  const m = /^blk\.(\d+)\.(\w+)\.weight$/.exec(ggufBase);
  const mod = m ? LAYER_MODULES[m[2]] : undefined;
  return mod ? `model.layers.${m![1]}.${mod}` : undefined;
}

/** The short name PEFT's target_modules lists (q_proj, …, lm_head). */
export function hfTargetName(ggufBase: string): string | undefined {
  return hfModule(ggufBase)?.split(".").pop();
}

/** The GGUF base tensor of a transformers module path (`model.layers.3.self_attn.q_proj`), or undefined. */
export function ggufBaseOf(module: string): string | undefined {
  if (module === "lm_head") return "output.weight";
  const m = /^model\.layers\.(\d+)\.(\w+\.\w+)$/.exec(module);
  const t = m ? BY_MODULE.get(m[2]) : undefined;
  return t ? `blk.${m![1]}.${t}.weight` : undefined;
}

/**
 * Architectures whose GGUF Q/K weights are stored with RoPE's pairs interleaved: convert_hf_to_gguf.py's
 * LlamaModel.permute reorders each head's rows from transformers' rotate-half layout [x0..x(d/2-1),
 * y0..y(d/2-1)] to [x0, y0, x1, y1, …]. A LoRA's B has the weight's output rows, so it is permuted alike
 * (A is untouched). qwen2/qwen3 use the rotate-half ("neox") layout in GGUF too: nothing to do.
 */
export const ROPE_INTERLEAVED_ARCHS: ReadonlySet<string> = new Set(["llama"]);

/**
 * Reorders the rows of a row-major [nOut, cols] matrix of `heads` RoPE heads between the two layouts:
 * "to-hf" undoes LlamaModel.permute, "to-gguf" applies it.
 */
export function permuteRopeRows(data: Float32Array, cols: number, heads: number, direction: "to-hf" | "to-gguf"): Float32Array {
  const nOut = data.length / cols;
  const hd = nOut / heads;
  if (!Number.isInteger(nOut) || !Number.isInteger(hd) || hd % 2 !== 0)
    throw new Error(`cannot permute ${nOut} rows as ${heads} RoPE heads`);
  const out = new Float32Array(data.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < hd / 2; i++) {
      for (let half = 0; half < 2; half++) {
        const gguf = h * hd + 2 * i + half;
        const hf = h * hd + half * (hd / 2) + i;
        const [from, to] = direction === "to-hf" ? [gguf, hf] : [hf, gguf];
        out.set(data.subarray(from * cols, (from + 1) * cols), to * cols);
      }
    }
  }
  return out;
}

/** Which head count a projection's RoPE permutation uses: Q the query heads, K the key/value heads. */
export function ropeHeads(ggufBase: string, hp: { nHead: number; nHeadKv: number }): number | undefined {
  if (/\.attn_q\.weight$/.test(ggufBase)) return hp.nHead;
  if (/\.attn_k\.weight$/.test(ggufBase)) return hp.nHeadKv;
  return undefined;
}
