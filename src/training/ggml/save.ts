import { basename } from "node:path";
import { GGML_TYPE, type Ggml, type Tensor } from "./ffi/index.js";
import { HostTensors, writeGgufAtomic } from "./gguf/write.js";
import type { LoraSet } from "./lora.js";
import type { ModelWeights } from "./model/weights.js";

/** What a GGUF LoRA adapter says about itself besides its tensors. */
export interface LoraAdapterMeta {
  arch: string;
  name: string;
  alpha: number;
  rank: number;
}

/**
 * Writes a GGUF LoRA adapter llama.cpp loads (src/llama-adapter.cpp): general.type=adapter, the base's
 * architecture, adapter.type=lora, adapter.lora.alpha, and F32 tensors `<base>.lora_a` [n_in, r] and
 * `<base>.lora_b` [r, n_out], in the order given. The one writer of adapters (training, PEFT import), so the
 * same adapter always gives the same bytes. Returns the file's sha256.
 */
export function writeLoraAdapter(g: Ggml, outPath: string, meta: LoraAdapterMeta, tensors: readonly Tensor[]): Promise<string> {
  return writeGgufAtomic(g, outPath, (gg) => {
    g.gguf.set_val_str(gg, "general.type", "adapter");
    g.gguf.set_val_str(gg, "general.architecture", meta.arch);
    g.gguf.set_val_str(gg, "general.name", meta.name);
    g.gguf.set_val_str(gg, "adapter.type", "lora");
    g.gguf.set_val_f32(gg, "adapter.lora.alpha", meta.alpha);
    g.gguf.set_val_u32(gg, "adapter.lora.rank", meta.rank);
    for (const t of tensors) g.gguf.add_tensor(gg, t);
  });
}

/** The trainer's adapter: every LoRA pair of `lora`, A then B, in the order the pairs were created. */
export function saveLoraAdapter(g: Ggml, w: ModelWeights, lora: LoraSet, outPath: string): Promise<string> {
  const tensors = [...lora.pairs.values()].flatMap((p) => [p.a, p.b]);
  return writeLoraAdapter(
    g,
    outPath,
    { arch: w.hp.arch, name: `${basename(w.path)} LoRA`, alpha: lora.config.alpha, rank: lora.config.rank },
    tensors,
  );
}

/**
 * Writes a complete model: the base GGUF's metadata (architecture, hyper-parameters, tokenizer, chat template)
 * and every tensor, trained ones with their new values in the storage type the base used (F32, F16 or BF16).
 */
export function saveFullModel(g: Ggml, w: ModelWeights, outPath: string): Promise<string> {
  return saveModelWith(g, w, outPath, (name) => {
    if (!w.trainable.has(name)) return undefined;
    const e = w.entries.get(name)!;
    if (e.type === GGML_TYPE.F32) return undefined; // the F32 parameter itself is written as is
    const f = new Float32Array(e.ne[0] * e.ne[1] * e.ne[2] * e.ne[3]);
    g.backend.tensor_get(w.must(name), f, 0, f.length * 4);
    return f;
  });
}

/**
 * Writes `w`'s model with some tensors replaced: `values(name)` gives new F32 values for a tensor (stored back
 * in the file's type: F32, F16 or BF16), or undefined to copy it unchanged. Metadata is the base's, plus
 * `kv` (e.g. a new general.name). Returns the file's sha256.
 */
export async function saveModelWith(
  g: Ggml,
  w: ModelWeights,
  outPath: string,
  values: (name: string) => Float32Array | undefined,
  kv: Record<string, string> = {},
): Promise<string> {
  const replaced = new Map<string, { type: number; ne: number[]; data: ArrayBufferView }>();
  for (const e of w.file.tensors) {
    const f = values(e.name);
    if (!f) continue;
    const n = e.ne[0] * e.ne[1] * e.ne[2] * e.ne[3];
    if (f.length !== n) throw new Error(`${e.name}: ${f.length} values given, the tensor has ${n}`);
    let data: ArrayBufferView = f;
    if (e.type === GGML_TYPE.F16 || e.type === GGML_TYPE.BF16) {
      const half = new Uint16Array(n);
      if (e.type === GGML_TYPE.F16) g.core.fp32_to_fp16_row(f, half, n);
      else g.core.fp32_to_bf16_row(f, half, n);
      data = half;
    } else if (e.type !== GGML_TYPE.F32) {
      throw new Error(`${e.name} is stored as ${g.core.type_name(e.type)}; only F32/F16/BF16 tensors can be rewritten`);
    }
    replaced.set(e.name, { type: e.type, ne: e.ne.slice(0, e.nDims), data });
  }
  const bytes = [...replaced.values()].reduce((a, r) => a + r.data.byteLength, 0);
  const host = new HostTensors(g, bytes, replaced.size);
  try {
    const converted = new Map<string, Tensor>();
    for (const [name, r] of replaced) converted.set(name, host.add(name, r.type, r.ne, r.data));
    return await writeGgufAtomic(g, outPath, (gg) => {
      g.gguf.set_kv(gg, w.file.native());
      for (const [k, v] of Object.entries(kv)) g.gguf.set_val_str(gg, k, v);
      for (const e of w.file.tensors) g.gguf.add_tensor(gg, converted.get(e.name) ?? w.must(e.name));
    });
  } finally {
    host.free();
  }
}
