/** enum ggml_type (ggml.h) — only the ids we handle by name. */
export const GGML_TYPE = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q8_0: 8,
  I32: 26,
  BF16: 30,
} as const;

/** enum gguf_type (gguf.h). */
export const GGUF_TYPE = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** enum ggml_tensor_flag (ggml.h). */
export const GGML_TENSOR_FLAG = { INPUT: 1, OUTPUT: 2, PARAM: 4, LOSS: 8 } as const;

/** enum ggml_backend_dev_type (ggml-backend.h). */
export const GGML_BACKEND_DEVICE_TYPE = { CPU: 0, GPU: 1, IGPU: 2, ACCEL: 3 } as const;

/** enum ggml_backend_buffer_usage (ggml-backend.h). */
export const GGML_BACKEND_BUFFER_USAGE = { ANY: 0, WEIGHTS: 1, COMPUTE: 2 } as const;

/** RoPE modes (ggml.h GGML_ROPE_TYPE_*; llama.h LLAMA_ROPE_TYPE_*). */
export const ROPE_TYPE = { NORM: 0, NEOX: 2 } as const;

/** enum ggml_status: GGML_STATUS_SUCCESS. */
export const GGML_STATUS_SUCCESS = 0;
