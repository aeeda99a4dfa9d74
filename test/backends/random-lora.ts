/**
 * Writes a random LoRA adapter GGUF over a llama base of a given shape (tests and the throughput
 * benchmark need "a different finetuned agent" without training one). Format as llama.cpp reads it:
 * general.type=adapter, adapter.type=lora, adapter.lora.alpha, `<weight>.lora_a` [n_in, r] and
 * `<weight>.lora_b` [r, n_out] in ggml order.
 */
import { gguf, writeGguf, type GgufTensor } from "../../src/models/gguf-writer.js";
import { createXoshiro128Rng } from "../../src/util/rng.js";

export interface RandomLoraOptions {
  path: string;
  nLayer: number;
  nEmbd: number;
  rank?: number;
  alpha?: number;
  /** Std of A and B entries; large enough to visibly change the base's outputs. */
  std?: number;
  seed: number;
}

export function writeRandomLora(o: RandomLoraOptions): string {
  const r = o.rank ?? 4;
  const rng = createXoshiro128Rng(o.seed);
  const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal() * (o.std ?? 0.5));
  const tensors: GgufTensor[] = [];
  for (let il = 0; il < o.nLayer; il++) {
    for (const w of ["attn_q", "attn_v"]) {
      tensors.push({ name: `blk.${il}.${w}.weight.lora_a`, shape: [o.nEmbd, r], type: "F32", data: rand(o.nEmbd * r) });
      tensors.push({ name: `blk.${il}.${w}.weight.lora_b`, shape: [r, o.nEmbd], type: "F32", data: rand(r * o.nEmbd) });
    }
  }
  writeGguf(o.path, {
    metadata: {
      "general.type": gguf.str("adapter"),
      "general.architecture": gguf.str("llama"),
      "general.name": gguf.str(`random-lora-${o.seed}`),
      "adapter.type": gguf.str("lora"),
      "adapter.lora.alpha": gguf.f32(o.alpha ?? r),
    },
    tensors,
  });
  return o.path;
}
