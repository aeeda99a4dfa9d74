import koffi, { type KoffiFunc } from "koffi";
import { loadGgml, type Ggml } from "./index.js";
import type { Tensor } from "./ggml.js";
import "./structs.js";

export type LlamaModelPtr = bigint & { readonly __llama: "model" };
export type LlamaContextPtr = bigint & { readonly __llama: "context" };
export type OptDataset = bigint & { readonly __ggml: "opt_dataset" };
export type OptResult = bigint & { readonly __ggml: "opt_result" };

type Fn<T extends (...a: any[]) => any> = KoffiFunc<T>;

/**
 * llama.cpp's own training entry points (llama_opt_init / llama_opt_epoch) and what they need. Only the
 * training benchmark uses these, as the speed reference for our trainer on the same libraries.
 */
export function loadLlamaApi(g: Ggml = loadGgml()) {
  const lib = koffi.load(g.files.llama);
  const base = koffi.load(g.files.base);
  const f = <T extends (...a: any[]) => any>(l: typeof lib, p: string) => l.func(p) as unknown as Fn<T>;
  return {
    backend_init: f<() => void>(lib, "void llama_backend_init()"),
    /** Routes llama.cpp's and ggml's log lines to `cb` (a koffi-registered ggml_log_callback pointer). */
    log_set: f<(cb: bigint | null, ud: null) => void>(lib, "void llama_log_set(void * cb, void * ud)"),
    model_default_params: f<() => Record<string, unknown>>(lib, "llama_model_params llama_model_default_params()"),
    context_default_params: f<() => Record<string, unknown>>(lib, "llama_context_params llama_context_default_params()"),
    model_load_from_file: f<(path: string, p: Record<string, unknown>) => LlamaModelPtr | null>(
      lib,
      "void * llama_model_load_from_file(const char * path, llama_model_params params)",
    ),
    init_from_model: f<(m: LlamaModelPtr, p: Record<string, unknown>) => LlamaContextPtr | null>(
      lib,
      "void * llama_init_from_model(void * model, llama_context_params params)",
    ),
    free: f<(c: LlamaContextPtr) => void>(lib, "void llama_free(void * ctx)"),
    n_ctx: f<(c: LlamaContextPtr) => number>(lib, "uint32_t llama_n_ctx(void * ctx)"),
    model_free: f<(m: LlamaModelPtr) => void>(lib, "void llama_model_free(void * model)"),
    set_n_threads: f<(c: LlamaContextPtr, n: number, nBatch: number) => void>(
      lib,
      "void llama_set_n_threads(void * ctx, int32_t n, int32_t n_batch)",
    ),
    batch_get_one: f<(tokens: bigint, n: number) => Record<string, unknown>>(
      lib,
      "llama_batch llama_batch_get_one(void * tokens, int32_t n_tokens)",
    ),
    decode: f<(c: LlamaContextPtr, batch: Record<string, unknown>) => number>(lib, "int32_t llama_decode(void * ctx, llama_batch batch)"),
    memory_clear: f<(mem: bigint, data: boolean) => void>(lib, "void llama_memory_clear(void * mem, bool data)"),
    get_memory: f<(c: LlamaContextPtr) => bigint>(lib, "void * llama_get_memory(void * ctx)"),
    opt_init: f<(c: LlamaContextPtr, m: LlamaModelPtr, p: Record<string, unknown>) => void>(
      lib,
      "void llama_opt_init(void * ctx, void * model, llama_opt_params params)",
    ),
    opt_epoch: f<
      (c: LlamaContextPtr, ds: OptDataset, train: OptResult, evalRes: OptResult | null, split: number, cbTrain: null, cbEval: null) => void
    >(
      lib,
      "void llama_opt_epoch(void * ctx, void * dataset, void * result_train, void * result_eval, int64_t idata_split, void * cb_train, void * cb_eval)",
    ),
    param_filter_all: lib.symbol("llama_opt_param_filter_all") as bigint,
    opt_constant_params: base.symbol("ggml_opt_get_constant_optimizer_params") as bigint,
    opt_dataset_init: f<
      (typeData: number, typeLabel: number, neDatapoint: number, neLabel: number, ndata: number, ndataShard: number) => OptDataset
    >(
      base,
      "void * ggml_opt_dataset_init(int type_data, int type_label, int64_t ne_datapoint, int64_t ne_label, int64_t ndata, int64_t ndata_shard)",
    ),
    opt_dataset_free: f<(ds: OptDataset) => void>(base, "void ggml_opt_dataset_free(void * ds)"),
    opt_dataset_data: f<(ds: OptDataset) => Tensor>(base, "void * ggml_opt_dataset_data(void * ds)"),
    opt_dataset_labels: f<(ds: OptDataset) => Tensor>(base, "void * ggml_opt_dataset_labels(void * ds)"),
    opt_result_init: f<() => OptResult>(base, "void * ggml_opt_result_init()"),
    opt_result_free: f<(r: OptResult) => void>(base, "void ggml_opt_result_free(void * r)"),
    opt_result_loss: f<(r: OptResult, loss: Float64Array, unc: Float64Array | null) => void>(
      base,
      "void ggml_opt_result_loss(void * r, _Out_ double * loss, _Out_ double * unc)",
    ),
  };
}

export type LlamaApi = ReturnType<typeof loadLlamaApi>;
