import koffi from "koffi";
import { GGML_TYPE, loadGgml, tensorInfo } from "./index.js";
import { loadLlamaApi } from "./llama.js";
import { ggml_opt_optimizer_params } from "./structs.js";

export interface ReferenceRun {
  tokensPerSecond: number;
  seconds: number;
  /** Process CPU time of the epoch (all threads), a load-insensitive measure of the work done. */
  cpuSeconds: number;
  loss: number;
}

let quiet: bigint | undefined;

/** llama.cpp logs every load and graph reservation; the benchmark keeps its own output readable. */
function silence(api: ReturnType<typeof loadLlamaApi>): void {
  if (quiet !== undefined) return;
  const proto = koffi.proto("void society_bench_log_cb(int level, const char * text, void * ud)");
  quiet = koffi.register(() => {}, koffi.pointer(proto)) as bigint;
  api.log_set(quiet, null);
}

/**
 * The training benchmark's speed reference (eval/bench/train): llama.cpp's own trainer on the same libraries.
 * Trains `data` (ndata rows of T+1 tokens: inputs 0..T−1, targets 1..T) for one epoch with llama.cpp's own
 * training path — llama_opt_init + llama_opt_epoch, set up as its examples/training/finetune does (F32 KV
 * cache, all F32 tensors trainable, AdamW with constant parameters, one optimizer step per T-token row).
 */
export function llamaCppEpoch(modelPath: string, rows: number[][], T: number, threads: number, lr: number): ReferenceRun {
  const g = loadGgml();
  const api = loadLlamaApi(g);
  api.backend_init();
  silence(api);
  const mp = { ...api.model_default_params(), n_gpu_layers: 0, load_mode: 0 /* LLAMA_LOAD_MODE_NONE: writable weights */ };
  const model = api.model_load_from_file(modelPath, mp);
  if (!model) throw new Error(`llama.cpp could not load ${modelPath}`);
  const cp = {
    ...api.context_default_params(),
    n_ctx: T,
    n_batch: T,
    n_ubatch: T,
    n_seq_max: 1,
    n_threads: threads,
    n_threads_batch: threads,
    flash_attn_type: 0,
    type_k: GGML_TYPE.F32,
    type_v: GGML_TYPE.F32,
    no_perf: true,
  };
  const ctx = api.init_from_model(model, cp);
  if (!ctx) throw new Error("llama.cpp could not create a context");
  const nCtx = api.n_ctx(ctx);
  if (nCtx !== T) {
    api.free(ctx);
    api.model_free(model);
    throw new Error(`llama.cpp rounded the context ${T} to ${nCtx}; use a multiple of 256 so both trainers see the same rows`);
  }
  const tokBuf = koffi.alloc("int32_t", T);
  const optPars = koffi.alloc(ggml_opt_optimizer_params, 1);
  const ds = api.opt_dataset_init(GGML_TYPE.I32, GGML_TYPE.I32, T, T, rows.length, 1);
  const result = api.opt_result_init();
  try {
    // One warm-up decode: the context applies its thread count on the first decode.
    koffi.encode(tokBuf, "int32_t", rows[0].slice(0, T), T);
    if (api.decode(ctx, api.batch_get_one(tokBuf, T)) !== 0) throw new Error("warm-up decode failed");
    api.memory_clear(api.get_memory(ctx), true);

    koffi.encode(optPars, ggml_opt_optimizer_params, {
      adamw: { alpha: lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, wd: 0 },
      sgd: { alpha: lr, wd: 0 },
    });
    api.opt_init(ctx, model, {
      n_ctx_train: 0,
      param_filter: api.param_filter_all,
      param_filter_ud: null,
      get_opt_pars: api.opt_constant_params,
      get_opt_pars_ud: optPars,
      optimizer_type: 0,
    });
    const data = new Int32Array(koffi.view(tensorInfo(api.opt_dataset_data(ds)).data, rows.length * T * 4));
    const labels = new Int32Array(koffi.view(tensorInfo(api.opt_dataset_labels(ds)).data, rows.length * T * 4));
    rows.forEach((r, i) => {
      data.set(r.slice(0, T), i * T);
      labels.set(r.slice(1, T + 1), i * T);
    });
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    api.opt_epoch(ctx, ds, result, null, rows.length, null, null);
    const c = process.cpuUsage(c0);
    const seconds = (performance.now() - t0) / 1000;
    const loss = new Float64Array(1);
    api.opt_result_loss(result, loss, null);
    return { tokensPerSecond: (rows.length * T) / seconds, seconds, cpuSeconds: (c.user + c.system) / 1e6, loss: loss[0] };
  } finally {
    api.opt_result_free(result);
    api.opt_dataset_free(ds);
    koffi.free(optPars);
    koffi.free(tokBuf);
    api.free(ctx);
    api.model_free(model);
  }
}
