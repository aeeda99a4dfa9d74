import { basename } from "node:path";
import { UserError } from "../../errors.js";
import { createBackends, GGML_TYPE, loadGgml } from "./ffi/index.js";
import { loadWeights } from "./model/weights.js";
import { readBaseInfo, readCheckedAdapter } from "./peft/export.js";
import { saveModelWith } from "./save.js";

export interface MergeOptions {
  basePath: string;
  adapterPath: string;
  outPath: string;
  /** The adapter's strength, as node-llama-cpp's / llama.cpp's LoRA scale (default 1). */
  scale?: number;
}

export interface MergeResult {
  outPath: string;
  sha256: string;
  /** Base tensors that changed. */
  merged: string[];
}

/**
 * Folds a LoRA adapter into its base: W' = W + scale · (alpha/r) · B·A for every adapted weight, written as
 * a complete GGUF with the base's metadata (tokenizer, chat template) and storage types. An F32 base gives
 * the adapter's logits exactly (up to float summation order); F16/BF16 weights round the sum to their type.
 * Quantized weights cannot be rewritten: merge into the F16/F32 model, then quantize (llama-quantize).
 */
export async function mergeLora(o: MergeOptions): Promise<MergeResult> {
  const scale = o.scale ?? 1;
  if (!Number.isFinite(scale)) throw new UserError(`--scale must be a number, got ${o.scale}`);
  const g = loadGgml();
  const base = readBaseInfo(g, o.basePath);
  const { adapter, name } = readCheckedAdapter(g, o.adapterPath, base);
  const be = createBackends(g, false);
  const w = loadWeights(g, be.cpu, o.basePath, { trainAll: false });
  try {
    const pairs = new Map<string, { a: Float32Array; b: Float32Array; r: number }>();
    for (const [tname, t] of adapter.tensors) {
      if (!tname.endsWith(".lora_a")) continue;
      const baseName = tname.slice(0, -".lora_a".length);
      const b = adapter.tensors.get(`${baseName}.lora_b`);
      if (!b) throw new UserError(`${o.adapterPath}: ${tname} has no matching lora_b`);
      const e = w.entries.get(baseName)!;
      if (e.type !== GGML_TYPE.F32 && e.type !== GGML_TYPE.F16 && e.type !== GGML_TYPE.BF16) {
        throw new UserError(
          `${o.basePath}: ${baseName} is ${g.core.type_name(e.type)}; merge into the F16/F32 model, then quantize the merged file`,
        );
      }
      pairs.set(baseName, { a: t.data, b: b.data, r: t.ne[1]! });
    }
    const values = (tensorName: string): Float32Array | undefined => {
      const p = pairs.get(tensorName);
      if (!p) return undefined;
      const e = w.entries.get(tensorName)!;
      const [nIn, nOut] = e.ne;
      const wf = readF32(tensorName, e.type, nIn * nOut);
      const s = (scale * adapter.alpha) / p.r;
      // W is row-major [nOut, nIn]; B [nOut, r]; A [r, nIn].
      for (let out = 0; out < nOut; out++) {
        const row = wf.subarray(out * nIn, (out + 1) * nIn);
        for (let k = 0; k < p.r; k++) {
          const c = s * p.b[out * p.r + k]!;
          if (c === 0) continue;
          const ak = p.a.subarray(k * nIn, (k + 1) * nIn);
          for (let j = 0; j < nIn; j++) row[j] += c * ak[j]!;
        }
      }
      return wf;
    };
    const readF32 = (tensorName: string, type: number, n: number): Float32Array => {
      const out = new Float32Array(n);
      if (type === GGML_TYPE.F32) g.backend.tensor_get(w.must(tensorName), out, 0, n * 4);
      else {
        const half = new Uint16Array(n);
        g.backend.tensor_get(w.must(tensorName), half, 0, n * 2);
        if (type === GGML_TYPE.F16) g.core.fp16_to_fp32_row(half, out, n);
        else g.core.bf16_to_fp32_row(half, out, n);
      }
      return out;
    };
    const sha256 = await saveModelWith(g, w, o.outPath, values, { "general.name": `${base.name} + ${name || basename(o.adapterPath)}` });
    return { outPath: o.outPath, sha256, merged: [...pairs.keys()] };
  } finally {
    w.free();
    be.free();
  }
}
