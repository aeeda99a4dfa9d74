import { replaceFile } from "../../../util/atomic-file.js";
import { fileSha256 } from "../../../util/file-sha256.js";
import { copyToNative, tensorInfo, type Ctx, type Ggml, type GgufCtx, type Tensor } from "../ffi/index.js";

/**
 * Writes a GGUF atomically: `fill` declares metadata and tensors on a fresh gguf context, the file is written
 * next to `path` under a temporary name and renamed over it, so readers never see a half-written model.
 * Returns the sha256 of the final file.
 */
export async function writeGgufAtomic(g: Ggml, path: string, fill: (gg: GgufCtx) => void): Promise<string> {
  const gg = g.gguf.init_empty();
  try {
    fill(gg);
    replaceFile(path, (tmp) => {
      if (!g.gguf.write_to_file(gg, tmp, false)) throw new Error(`could not write ${tmp}`);
    });
  } finally {
    g.gguf.free(gg);
  }
  return fileSha256(path);
}

/**
 * A ggml context whose tensors live in ordinary host memory (no backend buffer), for data we build in JS
 * and hand to gguf_add_tensor (e.g. weights converted back to F16 before saving).
 */
export class HostTensors {
  readonly ctx: Ctx;

  constructor(
    private readonly g: Ggml,
    bytes: number,
    nTensors: number,
  ) {
    this.ctx = g.core.init({ mem_size: bytes + nTensors * (g.core.tensor_overhead() + 64) + 1024, mem_buffer: null, no_alloc: false });
  }

  /** New tensor of `type` and shape `ne` whose contents are `data` (raw bytes of that type). */
  add(name: string, type: number, ne: number[], data: ArrayBufferView): Tensor {
    const { core } = this.g;
    const t =
      ne.length === 1
        ? core.new_tensor_1d(this.ctx, type, ne[0])
        : ne.length === 2
          ? core.new_tensor_2d(this.ctx, type, ne[0], ne[1])
          : ne.length === 3
            ? core.new_tensor_3d(this.ctx, type, ne[0], ne[1], ne[2])
            : core.new_tensor_4d(this.ctx, type, ne[0], ne[1], ne[2], ne[3]);
    core.set_name(t, name);
    const nbytes = core.nbytes(t);
    if (data.byteLength !== nbytes) throw new Error(`tensor ${name}: ${data.byteLength} bytes given, ${nbytes} expected`);
    const { data: ptr } = tensorInfo(t);
    if (ptr === null) throw new Error(`tensor ${name}: no host memory to copy into`);
    copyToNative(ptr, data);
    return t;
  }

  free(): void {
    this.g.core.free(this.ctx);
  }
}
