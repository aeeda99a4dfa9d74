import type { TinyModelSpec } from "../training/fixtures/tiny-model.js";

/**
 * One fixture model of each architecture the trainer's graph supports, labelled with what sets it apart, for
 * the checks that run once per architecture (forward logits, gradients): a new architecture joins them all here.
 * GQA, 4 query heads over 2 key/value heads; `gain` scales the random weights.
 */
export const tinyArchitectures = (gain: number): [string, TinyModelSpec][] => [
  ["llama, GQA 4/2", { arch: "llama", nHeadKv: 2, gain }],
  ["qwen2 (q/k/v biases, NEOX RoPE), GQA 4/2", { arch: "qwen2", nHeadKv: 2, gain }],
  ["qwen3 (per-head q/k RMSNorm), GQA 4/2", { arch: "qwen3", nHeadKv: 2, gain }],
  ["phi3 (fused attn_qkv and gate+up ffn_up, NEOX RoPE), GQA 4/2", { arch: "phi3", nHeadKv: 2, gain }],
  // Caps small enough to bend the scores and logits of a random tiny model.
  [
    "gemma2 (scaled embeddings, post norms, GELU, soft-caps 5/10), GQA 4/2, tied output",
    { arch: "gemma2", nHeadKv: 2, gain, tiedOutput: true, softcaps: [5, 10] },
  ],
];
