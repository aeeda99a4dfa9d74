import type { KoffiFunc, LibraryHandle } from "koffi";
import "./structs.js"; // registers the struct names used in the prototypes below

/** Opaque native handles. Koffi 3 passes pointers as BigInt; the brands keep them from being mixed up. */
export type Ctx = bigint & { readonly __ggml: "context" };
export type Tensor = bigint & { readonly __ggml: "tensor" };
export type Graph = bigint & { readonly __ggml: "cgraph" };
export type Backend = bigint & { readonly __ggml: "backend" };
export type BackendBuffer = bigint & { readonly __ggml: "buffer" };
export type BufferType = bigint & { readonly __ggml: "buffer_type" };
export type Sched = bigint & { readonly __ggml: "sched" };
export type Device = bigint & { readonly __ggml: "device" };
export type BackendReg = bigint & { readonly __ggml: "backend_reg" };
export type GgufCtx = bigint & { readonly __ggml: "gguf" };
/** Memory we read or write through: a native pointer, or a JS buffer/typed array for the call's duration. */
export type Mem = bigint | ArrayBufferView | null;

type Fn<T extends (...a: any[]) => any> = KoffiFunc<T>;
const bind = <T extends (...a: any[]) => any>(lib: LibraryHandle, proto: string): Fn<T> => lib.func(proto) as unknown as Fn<T>;

/** ggml core (libggml-base): contexts, tensors, ops with backward passes, graphs, fp16 helpers. */
export function bindGgmlCore(lib: LibraryHandle) {
  const f = <T extends (...a: any[]) => any>(p: string) => bind<T>(lib, p);
  return {
    init: f<(p: { mem_size: number; mem_buffer: Mem; no_alloc: boolean }) => Ctx>("void * ggml_init(ggml_init_params params)"),
    free: f<(ctx: Ctx) => void>("void ggml_free(void * ctx)"),
    tensor_overhead: f<() => number>("size_t ggml_tensor_overhead()"),
    graph_overhead_custom: f<(size: number, grads: boolean) => number>("size_t ggml_graph_overhead_custom(size_t size, bool grads)"),
    type_size: f<(type: number) => number>("size_t ggml_type_size(int type)"),
    blck_size: f<(type: number) => number>("int64_t ggml_blck_size(int type)"),
    row_size: f<(type: number, ne: number) => number>("size_t ggml_row_size(int type, int64_t ne)"),
    type_name: f<(type: number) => string>("const char * ggml_type_name(int type)"),
    is_quantized: f<(type: number) => boolean>("bool ggml_is_quantized(int type)"),
    nbytes: f<(t: Tensor) => number>("size_t ggml_nbytes(void * t)"),
    nelements: f<(t: Tensor) => number>("int64_t ggml_nelements(void * t)"),
    fp16_to_fp32_row: f<(src: Mem, dst: Mem, n: number) => void>("void ggml_fp16_to_fp32_row(void * x, void * y, int64_t n)"),
    fp32_to_fp16_row: f<(src: Mem, dst: Mem, n: number) => void>("void ggml_fp32_to_fp16_row(void * x, void * y, int64_t n)"),
    quantize_chunk: f<(type: number, src: Mem, dst: Mem, start: number, nrows: number, nPerRow: number, imatrix: null) => number>(
      "size_t ggml_quantize_chunk(int type, void * src, void * dst, int64_t start, int64_t nrows, int64_t n_per_row, void * imatrix)",
    ),
    fp32_to_bf16_row: f<(src: Mem, dst: Mem, n: number) => void>("void ggml_fp32_to_bf16_row(void * x, void * y, int64_t n)"),
    bf16_to_fp32_row: f<(src: Mem, dst: Mem, n: number) => void>("void ggml_bf16_to_fp32_row(void * x, void * y, int64_t n)"),

    new_tensor_1d: f<(ctx: Ctx, type: number, ne0: number) => Tensor>("void * ggml_new_tensor_1d(void * ctx, int type, int64_t ne0)"),
    new_tensor_2d: f<(ctx: Ctx, type: number, ne0: number, ne1: number) => Tensor>(
      "void * ggml_new_tensor_2d(void * ctx, int type, int64_t ne0, int64_t ne1)",
    ),
    new_tensor_3d: f<(ctx: Ctx, type: number, ne0: number, ne1: number, ne2: number) => Tensor>(
      "void * ggml_new_tensor_3d(void * ctx, int type, int64_t ne0, int64_t ne1, int64_t ne2)",
    ),
    new_tensor_4d: f<(ctx: Ctx, type: number, ne0: number, ne1: number, ne2: number, ne3: number) => Tensor>(
      "void * ggml_new_tensor_4d(void * ctx, int type, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3)",
    ),
    dup_tensor: f<(ctx: Ctx, src: Tensor) => Tensor>("void * ggml_dup_tensor(void * ctx, void * src)"),
    get_tensor: f<(ctx: Ctx, name: string) => Tensor | null>("void * ggml_get_tensor(void * ctx, const char * name)"),
    get_first_tensor: f<(ctx: Ctx) => Tensor | null>("void * ggml_get_first_tensor(void * ctx)"),
    get_next_tensor: f<(ctx: Ctx, t: Tensor) => Tensor | null>("void * ggml_get_next_tensor(void * ctx, void * t)"),
    set_name: f<(t: Tensor, name: string) => Tensor>("void * ggml_set_name(void * t, const char * name)"),
    get_name: f<(t: Tensor) => string>("const char * ggml_get_name(void * t)"),
    set_input: f<(t: Tensor) => void>("void ggml_set_input(void * t)"),
    set_output: f<(t: Tensor) => void>("void ggml_set_output(void * t)"),
    set_param: f<(t: Tensor) => void>("void ggml_set_param(void * t)"),
    set_loss: f<(t: Tensor) => void>("void ggml_set_loss(void * t)"),

    add: f<(ctx: Ctx, a: Tensor, b: Tensor) => Tensor>("void * ggml_add(void * ctx, void * a, void * b)"),
    mul: f<(ctx: Ctx, a: Tensor, b: Tensor) => Tensor>("void * ggml_mul(void * ctx, void * a, void * b)"),
    mul_inplace: f<(ctx: Ctx, a: Tensor, b: Tensor) => Tensor>("void * ggml_mul_inplace(void * ctx, void * a, void * b)"),
    div: f<(ctx: Ctx, a: Tensor, b: Tensor) => Tensor>("void * ggml_div(void * ctx, void * a, void * b)"),
    scale: f<(ctx: Ctx, a: Tensor, s: number) => Tensor>("void * ggml_scale(void * ctx, void * a, float s)"),
    sqr: f<(ctx: Ctx, a: Tensor) => Tensor>("void * ggml_sqr(void * ctx, void * a)"),
    sqrt: f<(ctx: Ctx, a: Tensor) => Tensor>("void * ggml_sqrt(void * ctx, void * a)"),
    sum: f<(ctx: Ctx, a: Tensor) => Tensor>("void * ggml_sum(void * ctx, void * a)"),
    sum_rows: f<(ctx: Ctx, a: Tensor) => Tensor>("void * ggml_sum_rows(void * ctx, void * a)"),
    sub: f<(ctx: Ctx, a: Tensor, b: Tensor) => Tensor>("void * ggml_sub(void * ctx, void * a, void * b)"),
    log: f<(ctx: Ctx, a: Tensor) => Tensor>("void * ggml_log(void * ctx, void * a)"),
    softplus: f<(ctx: Ctx, a: Tensor) => Tensor>("void * ggml_softplus(void * ctx, void * a)"),
    exp: f<(ctx: Ctx, a: Tensor) => Tensor>("void * ggml_exp(void * ctx, void * a)"),
    /** max(0, a) (backward: step(a)·grad). ggml has no backward for tanh or sigmoid; see objectives/magdi.ts. */
    relu: f<(ctx: Ctx, a: Tensor) => Tensor>("void * ggml_relu(void * ctx, void * a)"),
    /** s·a + b, elementwise (backward: s·grad). */
    scale_bias: f<(ctx: Ctx, a: Tensor, s: number, b: number) => Tensor>("void * ggml_scale_bias(void * ctx, void * a, float s, float b)"),
    clamp: f<(ctx: Ctx, a: Tensor, min: number, max: number) => Tensor>("void * ggml_clamp(void * ctx, void * a, float min, float max)"),
    mul_mat: f<(ctx: Ctx, a: Tensor, b: Tensor) => Tensor>("void * ggml_mul_mat(void * ctx, void * a, void * b)"),
    rms_norm: f<(ctx: Ctx, a: Tensor, eps: number) => Tensor>("void * ggml_rms_norm(void * ctx, void * a, float eps)"),
    silu: f<(ctx: Ctx, a: Tensor) => Tensor>("void * ggml_silu(void * ctx, void * a)"),
    swiglu_split: f<(ctx: Ctx, gate: Tensor, up: Tensor) => Tensor>("void * ggml_swiglu_split(void * ctx, void * a, void * b)"),
    get_rows: f<(ctx: Ctx, a: Tensor, rows: Tensor) => Tensor>("void * ggml_get_rows(void * ctx, void * a, void * b)"),
    cont: f<(ctx: Ctx, a: Tensor) => Tensor>("void * ggml_cont(void * ctx, void * a)"),
    cont_2d: f<(ctx: Ctx, a: Tensor, ne0: number, ne1: number) => Tensor>(
      "void * ggml_cont_2d(void * ctx, void * a, int64_t ne0, int64_t ne1)",
    ),
    reshape_2d: f<(ctx: Ctx, a: Tensor, ne0: number, ne1: number) => Tensor>(
      "void * ggml_reshape_2d(void * ctx, void * a, int64_t ne0, int64_t ne1)",
    ),
    reshape_3d: f<(ctx: Ctx, a: Tensor, ne0: number, ne1: number, ne2: number) => Tensor>(
      "void * ggml_reshape_3d(void * ctx, void * a, int64_t ne0, int64_t ne1, int64_t ne2)",
    ),
    reshape_4d: f<(ctx: Ctx, a: Tensor, ne0: number, ne1: number, ne2: number, ne3: number) => Tensor>(
      "void * ggml_reshape_4d(void * ctx, void * a, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3)",
    ),
    view_1d: f<(ctx: Ctx, a: Tensor, ne0: number, offset: number) => Tensor>(
      "void * ggml_view_1d(void * ctx, void * a, int64_t ne0, size_t offset)",
    ),
    view_2d: f<(ctx: Ctx, a: Tensor, ne0: number, ne1: number, nb1: number, offset: number) => Tensor>(
      "void * ggml_view_2d(void * ctx, void * a, int64_t ne0, int64_t ne1, size_t nb1, size_t offset)",
    ),
    permute: f<(ctx: Ctx, a: Tensor, ax0: number, ax1: number, ax2: number, ax3: number) => Tensor>(
      "void * ggml_permute(void * ctx, void * a, int ax0, int ax1, int ax2, int ax3)",
    ),
    transpose: f<(ctx: Ctx, a: Tensor) => Tensor>("void * ggml_transpose(void * ctx, void * a)"),
    repeat_4d: f<(ctx: Ctx, a: Tensor, ne0: number, ne1: number, ne2: number, ne3: number) => Tensor>(
      "void * ggml_repeat_4d(void * ctx, void * a, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3)",
    ),
    soft_max_ext: f<(ctx: Ctx, a: Tensor, mask: Tensor | null, scale: number, maxBias: number) => Tensor>(
      "void * ggml_soft_max_ext(void * ctx, void * a, void * mask, float scale, float max_bias)",
    ),
    rope_ext: f<
      (
        ctx: Ctx,
        a: Tensor,
        pos: Tensor,
        freqFactors: Tensor | null,
        nDims: number,
        mode: number,
        nCtxOrig: number,
        freqBase: number,
        freqScale: number,
        extFactor: number,
        attnFactor: number,
        betaFast: number,
        betaSlow: number,
      ) => Tensor
    >(
      "void * ggml_rope_ext(void * ctx, void * a, void * b, void * c, int n_dims, int mode, int n_ctx_orig, float freq_base, " +
        "float freq_scale, float ext_factor, float attn_factor, float beta_fast, float beta_slow)",
    ),
    cross_entropy_loss: f<(ctx: Ctx, logits: Tensor, labels: Tensor) => Tensor>(
      "void * ggml_cross_entropy_loss(void * ctx, void * a, void * b)",
    ),
    opt_step_adamw: f<(ctx: Ctx, a: Tensor, grad: Tensor, m: Tensor, v: Tensor, params: Tensor) => Tensor>(
      "void * ggml_opt_step_adamw(void * ctx, void * a, void * grad, void * m, void * v, void * adamw_params)",
    ),

    new_graph_custom: f<(ctx: Ctx, size: number, grads: boolean) => Graph>(
      "void * ggml_new_graph_custom(void * ctx, size_t size, bool grads)",
    ),
    build_forward_expand: f<(g: Graph, t: Tensor) => void>("void ggml_build_forward_expand(void * g, void * t)"),
    build_backward_expand: f<(ctx: Ctx, g: Graph, gradAccs: (Tensor | null)[]) => void>(
      "void ggml_build_backward_expand(void * ctx, void * g, void ** grad_accs)",
    ),
    graph_n_nodes: f<(g: Graph) => number>("int ggml_graph_n_nodes(void * g)"),
    graph_node: f<(g: Graph, i: number) => Tensor>("void * ggml_graph_node(void * g, int i)"),
    graph_get_grad: f<(g: Graph, t: Tensor) => Tensor | null>("void * ggml_graph_get_grad(void * g, void * t)"),
    graph_get_grad_acc: f<(g: Graph, t: Tensor) => Tensor | null>("void * ggml_graph_get_grad_acc(void * g, void * t)"),
  };
}

/** gguf (libggml-base): read metadata and tensor infos, write metadata and tensors. */
export function bindGguf(lib: LibraryHandle) {
  const f = <T extends (...a: any[]) => any>(p: string) => bind<T>(lib, p);
  return {
    init_empty: f<() => GgufCtx>("void * gguf_init_empty()"),
    init_from_file: f<(path: string, p: { no_alloc: boolean; ctx: bigint | null }) => GgufCtx | null>(
      "void * gguf_init_from_file(const char * fname, gguf_init_params params)",
    ),
    free: f<(g: GgufCtx) => void>("void gguf_free(void * g)"),
    get_data_offset: f<(g: GgufCtx) => number>("size_t gguf_get_data_offset(void * g)"),
    get_n_kv: f<(g: GgufCtx) => number>("int64_t gguf_get_n_kv(void * g)"),
    find_key: f<(g: GgufCtx, key: string) => number>("int64_t gguf_find_key(void * g, const char * key)"),
    get_key: f<(g: GgufCtx, id: number) => string>("const char * gguf_get_key(void * g, int64_t id)"),
    get_kv_type: f<(g: GgufCtx, id: number) => number>("int gguf_get_kv_type(void * g, int64_t id)"),
    get_arr_type: f<(g: GgufCtx, id: number) => number>("int gguf_get_arr_type(void * g, int64_t id)"),
    get_val_u8: f<(g: GgufCtx, id: number) => number>("uint8_t gguf_get_val_u8(void * g, int64_t id)"),
    get_val_i8: f<(g: GgufCtx, id: number) => number>("int8_t gguf_get_val_i8(void * g, int64_t id)"),
    get_val_u16: f<(g: GgufCtx, id: number) => number>("uint16_t gguf_get_val_u16(void * g, int64_t id)"),
    get_val_i16: f<(g: GgufCtx, id: number) => number>("int16_t gguf_get_val_i16(void * g, int64_t id)"),
    get_val_u32: f<(g: GgufCtx, id: number) => number>("uint32_t gguf_get_val_u32(void * g, int64_t id)"),
    get_val_i32: f<(g: GgufCtx, id: number) => number>("int32_t gguf_get_val_i32(void * g, int64_t id)"),
    get_val_f32: f<(g: GgufCtx, id: number) => number>("float gguf_get_val_f32(void * g, int64_t id)"),
    get_val_u64: f<(g: GgufCtx, id: number) => number | bigint>("uint64_t gguf_get_val_u64(void * g, int64_t id)"),
    get_val_i64: f<(g: GgufCtx, id: number) => number | bigint>("int64_t gguf_get_val_i64(void * g, int64_t id)"),
    get_val_f64: f<(g: GgufCtx, id: number) => number>("double gguf_get_val_f64(void * g, int64_t id)"),
    get_val_bool: f<(g: GgufCtx, id: number) => boolean>("bool gguf_get_val_bool(void * g, int64_t id)"),
    get_val_str: f<(g: GgufCtx, id: number) => string>("const char * gguf_get_val_str(void * g, int64_t id)"),
    get_arr_n: f<(g: GgufCtx, id: number) => number>("size_t gguf_get_arr_n(void * g, int64_t id)"),
    get_arr_data: f<(g: GgufCtx, id: number) => bigint>("void * gguf_get_arr_data(void * g, int64_t id)"),
    get_arr_str: f<(g: GgufCtx, id: number, i: number) => string>("const char * gguf_get_arr_str(void * g, int64_t id, size_t i)"),
    get_n_tensors: f<(g: GgufCtx) => number>("int64_t gguf_get_n_tensors(void * g)"),
    find_tensor: f<(g: GgufCtx, name: string) => number>("int64_t gguf_find_tensor(void * g, const char * name)"),
    get_tensor_offset: f<(g: GgufCtx, id: number) => number>("size_t gguf_get_tensor_offset(void * g, int64_t id)"),
    get_tensor_name: f<(g: GgufCtx, id: number) => string>("const char * gguf_get_tensor_name(void * g, int64_t id)"),
    get_tensor_type: f<(g: GgufCtx, id: number) => number>("int gguf_get_tensor_type(void * g, int64_t id)"),
    get_tensor_size: f<(g: GgufCtx, id: number) => number>("size_t gguf_get_tensor_size(void * g, int64_t id)"),
    set_val_u32: f<(g: GgufCtx, key: string, v: number) => void>("void gguf_set_val_u32(void * g, const char * key, uint32_t v)"),
    set_val_i32: f<(g: GgufCtx, key: string, v: number) => void>("void gguf_set_val_i32(void * g, const char * key, int32_t v)"),
    set_val_f32: f<(g: GgufCtx, key: string, v: number) => void>("void gguf_set_val_f32(void * g, const char * key, float v)"),
    set_val_bool: f<(g: GgufCtx, key: string, v: boolean) => void>("void gguf_set_val_bool(void * g, const char * key, bool v)"),
    set_val_str: f<(g: GgufCtx, key: string, v: string) => void>("void gguf_set_val_str(void * g, const char * key, const char * v)"),
    set_arr_data: f<(g: GgufCtx, key: string, type: number, data: Mem, n: number) => void>(
      "void gguf_set_arr_data(void * g, const char * key, int type, void * data, size_t n)",
    ),
    set_arr_str: f<(g: GgufCtx, key: string, data: string[], n: number) => void>(
      "void gguf_set_arr_str(void * g, const char * key, const char ** data, size_t n)",
    ),
    set_kv: f<(g: GgufCtx, src: GgufCtx) => void>("void gguf_set_kv(void * g, void * src)"),
    add_tensor: f<(g: GgufCtx, t: Tensor) => void>("void gguf_add_tensor(void * g, void * t)"),
    write_to_file: f<(g: GgufCtx, path: string, onlyMeta: boolean) => boolean>(
      "bool gguf_write_to_file(void * g, const char * fname, bool only_meta)",
    ),
  };
}

/** ggml-backend + ggml-alloc (libggml-base): buffers, tensor I/O, the scheduler. */
export function bindBackend(lib: LibraryHandle) {
  const f = <T extends (...a: any[]) => any>(p: string) => bind<T>(lib, p);
  return {
    name: f<(b: Backend) => string>("const char * ggml_backend_name(void * b)"),
    free: f<(b: Backend) => void>("void ggml_backend_free(void * b)"),
    get_device: f<(b: Backend) => Device>("void * ggml_backend_get_device(void * b)"),
    dev_backend_reg: f<(d: Device) => BackendReg>("void * ggml_backend_dev_backend_reg(void * d)"),
    dev_type: f<(d: Device) => number>("int ggml_backend_dev_type(void * d)"),
    dev_name: f<(d: Device) => string>("const char * ggml_backend_dev_name(void * d)"),
    reg_get_proc_address: f<(r: BackendReg, name: string) => bigint | null>(
      "void * ggml_backend_reg_get_proc_address(void * r, const char * name)",
    ),
    get_default_buffer_type: f<(b: Backend) => BufferType>("void * ggml_backend_get_default_buffer_type(void * b)"),
    alloc_ctx_tensors: f<(ctx: Ctx, b: Backend) => BackendBuffer | null>("void * ggml_backend_alloc_ctx_tensors(void * ctx, void * b)"),
    buffer_free: f<(buf: BackendBuffer) => void>("void ggml_backend_buffer_free(void * buf)"),
    buffer_clear: f<(buf: BackendBuffer, value: number) => void>("void ggml_backend_buffer_clear(void * buf, uint8_t value)"),
    buffer_get_size: f<(buf: BackendBuffer) => number>("size_t ggml_backend_buffer_get_size(void * buf)"),
    buffer_set_usage: f<(buf: BackendBuffer, usage: number) => void>("void ggml_backend_buffer_set_usage(void * buf, int usage)"),
    tensor_set: f<(t: Tensor, data: Mem, offset: number, size: number) => void>(
      "void ggml_backend_tensor_set(void * t, void * data, size_t offset, size_t size)",
    ),
    tensor_get: f<(t: Tensor, data: Mem, offset: number, size: number) => void>(
      "void ggml_backend_tensor_get(void * t, void * data, size_t offset, size_t size)",
    ),
    tensor_memset: f<(t: Tensor, value: number, offset: number, size: number) => void>(
      "void ggml_backend_tensor_memset(void * t, uint8_t value, size_t offset, size_t size)",
    ),
    graph_compute: f<(b: Backend, g: Graph) => number>("int ggml_backend_graph_compute(void * b, void * g)"),
    sched_new: f<
      (backends: Backend[], bufts: BufferType[] | null, n: number, graphSize: number, parallel: boolean, opOffload: boolean) => Sched
    >("void * ggml_backend_sched_new(void ** backends, void ** bufts, int n_backends, size_t graph_size, bool parallel, bool op_offload)"),
    sched_free: f<(s: Sched) => void>("void ggml_backend_sched_free(void * s)"),
    sched_reset: f<(s: Sched) => void>("void ggml_backend_sched_reset(void * s)"),
    sched_alloc_graph: f<(s: Sched, g: Graph) => boolean>("bool ggml_backend_sched_alloc_graph(void * s, void * g)"),
    sched_graph_compute: f<(s: Sched, g: Graph) => number>("int ggml_backend_sched_graph_compute(void * s, void * g)"),
    sched_get_buffer_size: f<(s: Sched, b: Backend) => number>("size_t ggml_backend_sched_get_buffer_size(void * s, void * b)"),
    sched_get_n_splits: f<(s: Sched) => number>("int ggml_backend_sched_get_n_splits(void * s)"),
  };
}

/** Backend registry (libggml): loads the CPU/GPU backend modules of a folder and creates backends. */
export function bindRegistry(lib: LibraryHandle) {
  const f = <T extends (...a: any[]) => any>(p: string) => bind<T>(lib, p);
  return {
    load_all_from_path: f<(dir: string) => void>("void ggml_backend_load_all_from_path(const char * dir)"),
    reg_count: f<() => number>("size_t ggml_backend_reg_count()"),
    reg_by_name: f<(name: string) => BackendReg | null>("void * ggml_backend_reg_by_name(const char * name)"),
    dev_count: f<() => number>("size_t ggml_backend_dev_count()"),
    dev_get: f<(i: number) => Device>("void * ggml_backend_dev_get(size_t i)"),
    dev_by_type: f<(type: number) => Device | null>("void * ggml_backend_dev_by_type(int type)"),
    init_by_type: f<(type: number, params: string | null) => Backend | null>(
      "void * ggml_backend_init_by_type(int type, const char * params)",
    ),
  };
}

export type GgmlCore = ReturnType<typeof bindGgmlCore>;
export type GgufApi = ReturnType<typeof bindGguf>;
export type BackendApi = ReturnType<typeof bindBackend>;
export type RegistryApi = ReturnType<typeof bindRegistry>;
