import koffi, { type TypeObject } from "koffi";

/**
 * C structs we pass by value or read, mirrored field by field from the bundled headers
 * (ggml/include/ggml.h, gguf.h, ggml-opt.h, include/llama.h of node-llama-cpp's llama.cpp build).
 * test/training/ffi/struct-layout.test.ts compiles the headers with gcc and checks every size and offset.
 */

/** koffi type names are process-global; a second import of this module (vitest) must reuse them. */
function struct(name: string, def: Record<string, string | TypeObject>): TypeObject {
  try {
    return koffi.type(name);
  } catch {
    return koffi.struct(name, def);
  }
}

export const ggml_init_params = struct("ggml_init_params", {
  mem_size: "size_t",
  mem_buffer: "void *",
  no_alloc: "bool",
});

export const gguf_init_params = struct("gguf_init_params", {
  no_alloc: "bool",
  ctx: "void *", // struct ggml_context **
});

export const GGML_MAX_DIMS = 4;
export const GGML_MAX_SRC = 10;
export const GGML_MAX_NAME = 64;

export const ggml_tensor = struct("ggml_tensor", {
  type: "int",
  buffer: "void *",
  ne: koffi.array("int64_t", GGML_MAX_DIMS, "Array"),
  nb: koffi.array("size_t", GGML_MAX_DIMS, "Array"),
  op: "int",
  op_params: koffi.array("int32_t", 16, "Array"),
  flags: "int32_t",
  src: koffi.array("void *", GGML_MAX_SRC, "Array"),
  view_src: "void *",
  view_offs: "size_t",
  data: "void *",
  name: koffi.array("char", GGML_MAX_NAME, "String"),
  extra: "void *",
  padding: koffi.array("char", 8, "Array"),
});

export const ggml_opt_optimizer_params = struct("ggml_opt_optimizer_params", {
  adamw: koffi.struct({ alpha: "float", beta1: "float", beta2: "float", eps: "float", wd: "float" }),
  sgd: koffi.struct({ alpha: "float", wd: "float" }),
});

// ---- llama.h (only the training benchmark's reference path uses these) ----

export const llama_model_params = struct("llama_model_params", {
  devices: "void *",
  tensor_buft_overrides: "void *",
  n_gpu_layers: "int32_t",
  split_mode: "int",
  load_mode: "int",
  lazy_mode: "int",
  main_gpu: "int32_t",
  tensor_split: "void *",
  progress_callback: "void *",
  progress_callback_user_data: "void *",
  kv_overrides: "void *",
  vocab_only: "bool",
  check_tensors: "bool",
  use_extra_bufts: "bool",
  no_host: "bool",
  no_alloc: "bool",
  load_mtp: "bool",
});

export const llama_context_params = struct("llama_context_params", {
  n_ctx: "uint32_t",
  n_batch: "uint32_t",
  n_ubatch: "uint32_t",
  n_seq_max: "uint32_t",
  n_rs_seq: "uint32_t",
  n_outputs_max: "uint32_t",
  n_outputs_max_per_seq: "uint32_t",
  n_threads: "int32_t",
  n_threads_batch: "int32_t",
  ctx_type: "int",
  rope_scaling_type: "int",
  pooling_type: "int",
  attention_type: "int",
  flash_attn_type: "int",
  rope_freq_base: "float",
  rope_freq_scale: "float",
  yarn_ext_factor: "float",
  yarn_attn_factor: "float",
  yarn_beta_fast: "float",
  yarn_beta_slow: "float",
  yarn_orig_ctx: "uint32_t",
  defrag_thold: "float",
  cb_eval: "void *",
  cb_eval_user_data: "void *",
  type_k: "int",
  type_v: "int",
  abort_callback: "void *",
  abort_callback_data: "void *",
  embeddings: "bool",
  offload_kqv: "bool",
  no_perf: "bool",
  op_offload: "bool",
  swa_full: "bool",
  kv_unified: "bool",
  samplers: "void *",
  n_samplers: "size_t",
  ctx_other: "void *",
});

export const llama_opt_params = struct("llama_opt_params", {
  n_ctx_train: "uint32_t",
  param_filter: "void *",
  param_filter_ud: "void *",
  get_opt_pars: "void *",
  get_opt_pars_ud: "void *",
  optimizer_type: "int",
});

export const llama_batch = struct("llama_batch", {
  n_tokens: "int32_t",
  token: "void *",
  embd: "void *",
  pos: "void *",
  n_seq_id: "void *",
  seq_id: "void *",
  logits: "void *",
});

/** Every mirrored struct with its C name, for the layout test. */
export const MIRRORED_STRUCTS = {
  ggml_init_params,
  gguf_init_params,
  ggml_tensor,
  ggml_opt_optimizer_params,
  llama_model_params,
  llama_context_params,
  llama_opt_params,
  llama_batch,
} as const;
