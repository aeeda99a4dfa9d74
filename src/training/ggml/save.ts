import { basename } from "node:path";
import { GGML_TYPE, type Ggml, type Tensor } from "./ffi/index.js";
import { HostTensors, writeGgufAtomic } from "./gguf/write.js";
import type { LoraSet } from "./lora.js";
import type { ModelWeights } from "./model/weights.js";

/**
 * Writes a GGUF LoRA adapter llama.cpp loads (src/llama-adapter.cpp): general.type=adapter, the base's
 * architecture, adapter.type=lora, adapter.lora.alpha, and F32 tensors `<base>.lora_a` [n_in, r] and
 * `<base>.lora_b` [r, n_out]. Returns the file's sha256.
 */
export function saveLoraAdapter(g: Ggml, w: ModelWeights, lora: LoraSet, outPath: string): Promise<string> {
  return writeGgufAtomic(g, outPath, (gg) => {
    g.gguf.set_val_str(gg, "general.type", "adapter");
    g.gguf.set_val_str(gg, "general.architecture", w.hp.arch);
    g.gguf.set_val_str(gg, "general.name", `${basename(w.path)} LoRA`);
    g.gguf.set_val_str(gg, "adapter.type", "lora");
    g.gguf.set_val_f32(gg, "adapter.lora.alpha", lora.config.alpha);
    g.gguf.set_val_u32(gg, "adapter.lora.rank", lora.config.rank);
    for (const p of lora.pairs.values()) {
      g.gguf.add_tensor(gg, p.a);
      g.gguf.add_tensor(gg, p.b);
    }
  });
}

/**
 * Writes a complete model: the base GGUF's metadata (architecture, hyper-parameters, tokenizer, chat template)
 * and every tensor, trained ones with their new values in the storage type the base used (F32, F16 or BF16).
 */
export async function saveFullModel(g: Ggml, w: ModelWeights, outPath: string): Promise<string> {
  const narrow = w.file.tensors.filter((e) => w.trainable.has(e.name) && e.type !== GGML_TYPE.F32);
  const bytes = narrow.reduce((a, e) => a + e.size, 0);
  const host = new HostTensors(g, bytes, narrow.length);
  try {
    const converted = new Map<string, Tensor>();
    for (const e of narrow) {
      const n = e.ne[0] * e.ne[1] * e.ne[2] * e.ne[3];
      const f = new Float32Array(n);
      g.backend.tensor_get(w.must(e.name), f, 0, n * 4);
      const half = new Uint16Array(n);
      if (e.type === GGML_TYPE.F16) g.core.fp32_to_fp16_row(f, half, n);
      else g.core.fp32_to_bf16_row(f, half, n);
      converted.set(e.name, host.add(e.name, e.type, e.ne.slice(0, e.nDims), half));
    }
    return await writeGgufAtomic(g, outPath, (gg) => {
      g.gguf.set_kv(gg, w.file.native());
      for (const e of w.file.tensors) g.gguf.add_tensor(gg, converted.get(e.name) ?? w.must(e.name));
    });
  } finally {
    host.free();
  }
}
