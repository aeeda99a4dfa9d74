import { closeSync, openSync, readSync } from "node:fs";
import { GGML_BACKEND_BUFFER_USAGE, GGML_TYPE, type Backend, type BackendBuffer, type Ctx, type Ggml, type Tensor } from "../ffi/index.js";
import { openGguf, type GgufFile, type GgufTensorEntry } from "../gguf/read.js";
import { readHParams, UnsupportedModelError, type HParams } from "./hparams.js";

/** A model's tensors resident in a backend buffer, plus the GGUF it came from (for metadata when saving). */
export interface ModelWeights {
  path: string;
  hp: HParams;
  file: GgufFile;
  ctx: Ctx;
  buf: BackendBuffer;
  byName: Map<string, Tensor>;
  entries: Map<string, GgufTensorEntry>;
  /** Tensors made trainable (full mode): stored as F32 whatever the file held. */
  trainable: Set<string>;
  /** Names of quantized tensors (gradients through them are approximate). */
  quantized: string[];
  get(name: string): Tensor | undefined;
  must(name: string): Tensor;
  free(): void;
}

/** Tensors never trained even in full mode: fixed RoPE frequency tables. */
const FROZEN_ALWAYS = /^rope_(freqs|factors_long|factors_short)\.weight$/;

/**
 * Loads every tensor of a GGUF into one buffer of `backend`. With `trainAll`, every weight (embeddings, norms,
 * biases included) becomes a ggml parameter stored in F32; F16/BF16 files are widened, quantized ones refused.
 */
export function loadWeights(g: Ggml, backend: Backend, path: string, opts: { trainAll: boolean }): ModelWeights {
  const file = openGguf(path, g);
  try {
    const hp = readHParams(file);
    const { core, backend: be } = g;
    const ctx = core.init({ mem_size: (file.tensors.length + 8) * core.tensor_overhead(), mem_buffer: null, no_alloc: true });
    const byName = new Map<string, Tensor>();
    const entries = new Map<string, GgufTensorEntry>();
    const trainable = new Set<string>();
    const quantized: string[] = [];
    for (const e of file.tensors) {
      const train = opts.trainAll && !FROZEN_ALWAYS.test(e.name);
      const isFloat = e.type === GGML_TYPE.F32 || e.type === GGML_TYPE.F16 || e.type === GGML_TYPE.BF16;
      if (!isFloat) quantized.push(e.name);
      if (train && !isFloat) {
        throw new UnsupportedModelError(`${e.name} is quantized (${core.type_name(e.type)}); full training needs an F32/F16/BF16 model`);
      }
      const type = train ? GGML_TYPE.F32 : e.type;
      const [n0, n1, n2, n3] = e.ne;
      const t = core.new_tensor_4d(ctx, type, n0, n1, n2, n3);
      core.set_name(t, e.name);
      if (train) {
        core.set_param(t);
        trainable.add(e.name);
      }
      byName.set(e.name, t);
      entries.set(e.name, e);
    }
    const buf = be.alloc_ctx_tensors(ctx, backend);
    if (!buf) throw new Error("could not allocate the model weights buffer");
    be.buffer_set_usage(buf, GGML_BACKEND_BUFFER_USAGE.WEIGHTS);
    readTensorData(g, path, file, byName, trainable);
    return {
      path,
      hp,
      file,
      ctx,
      buf,
      byName,
      entries,
      trainable,
      quantized,
      get: (n) => byName.get(n),
      must: (n) => {
        const t = byName.get(n);
        if (!t) throw new UnsupportedModelError(`${path}: missing tensor ${n}`);
        return t;
      },
      free: () => {
        be.buffer_free(buf);
        core.free(ctx);
        file.close();
      },
    };
  } catch (e) {
    file.close();
    throw e;
  }
}

function readTensorData(g: Ggml, path: string, file: GgufFile, byName: Map<string, Tensor>, widen: Set<string>): void {
  const fd = openSync(path, "r");
  try {
    let scratch = Buffer.alloc(0);
    let wide = new Float32Array(0);
    for (const e of file.tensors) {
      if (scratch.length < e.size) scratch = Buffer.alloc(e.size);
      const raw = scratch.subarray(0, e.size);
      let done = 0;
      while (done < e.size) {
        const n = readSync(fd, raw, done, e.size - done, e.offset + done);
        if (n <= 0) throw new Error(`${path}: truncated data for tensor ${e.name}`);
        done += n;
      }
      const t = byName.get(e.name)!;
      if (widen.has(e.name) && e.type !== GGML_TYPE.F32) {
        const n = e.ne[0] * e.ne[1] * e.ne[2] * e.ne[3];
        if (wide.length < n) wide = new Float32Array(n);
        const out = wide.subarray(0, n);
        if (e.type === GGML_TYPE.F16) g.core.fp16_to_fp32_row(raw, out, n);
        else g.core.bf16_to_fp32_row(raw, out, n);
        g.backend.tensor_set(t, out, 0, n * 4);
      } else {
        g.backend.tensor_set(t, raw, 0, e.size);
      }
    }
  } finally {
    closeSync(fd);
  }
}
