/**
 * ggml graphs computed off the main thread: while one runs, the event loop keeps turning (a server keeps
 * answering, a progress display keeps drawing); the result is the one the main thread computes.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  computeGraph,
  createBackends,
  GGML_TYPE,
  loadGgml,
  type Graph,
  type Sched,
  type Tensor,
} from "../../../src/training/ggml/ffi/index.js";

const g = loadGgml();
const be = createBackends(g, false);
be.setThreads(1);
const N = 384;
const ctx = g.core.init({
  mem_size: 64 * g.core.tensor_overhead() + g.core.graph_overhead_custom(64, false),
  mem_buffer: null,
  no_alloc: true,
});
const a = g.core.new_tensor_2d(ctx, GGML_TYPE.F32, N, N);
const b = g.core.new_tensor_2d(ctx, GGML_TYPE.F32, N, N);
// A chain of matrix products: tens of milliseconds of work on one thread.
let out: Tensor = g.core.mul_mat(ctx, a, b);
for (let i = 0; i < 5; i++) out = g.core.mul_mat(ctx, a, out);
const graph: Graph = g.core.new_graph_custom(ctx, 64, false);
g.core.build_forward_expand(graph, out);
const buf = g.backend.alloc_ctx_tensors(ctx, be.cpu)!;
const fill = (t: Tensor, seed: number) => {
  const v = new Float32Array(N * N);
  for (let i = 0; i < v.length; i++) v[i] = (((i * 2654435761 + seed) >>> 0) % 1000) / 1000 - 0.5;
  g.backend.tensor_set(t, v, 0, v.byteLength);
};
fill(a, 1);
fill(b, 2);
const sched: Sched = g.backend.sched_new([be.cpu], null, 1, 64, false, false);
if (!g.backend.sched_alloc_graph(sched, graph)) throw new Error("alloc");
const result = () => {
  const v = new Float32Array(N * N);
  g.backend.tensor_get(out, v, 0, v.byteLength);
  return v;
};

afterAll(() => {
  g.backend.sched_free(sched);
  g.backend.buffer_free(buf);
  g.core.free(ctx);
  be.free();
  delete process.env.SOCIETY_GGML_COMPUTE;
});

/** Event-loop turns (setImmediate callbacks) that ran while one computeGraph was pending. */
async function turnsDuring(): Promise<number> {
  let done = false;
  let turns = 0;
  const p = computeGraph(g, sched, graph).then(() => (done = true));
  while (!done) {
    await new Promise((r) => setImmediate(r));
    turns++;
  }
  await p;
  return turns;
}

describe("computeGraph", () => {
  it("by default runs the graph off the main thread: the event loop turns while it computes", async () => {
    delete process.env.SOCIETY_GGML_COMPUTE;
    await computeGraph(g, sched, graph); // starts the compute thread
    const turns = await turnsDuring();
    expect(turns).toBeGreaterThan(20);
    const threaded = result();

    // On the main thread the whole computation happens inside the call: at most the one yield after it.
    process.env.SOCIETY_GGML_COMPUTE = "main";
    expect(await turnsDuring()).toBeLessThanOrEqual(2);
    expect(result()).toEqual(threaded);
    expect(threaded.some((x) => x !== 0)).toBe(true);
  });

  it("names a bad SOCIETY_GGML_COMPUTE", async () => {
    process.env.SOCIETY_GGML_COMPUTE = "gpu-please";
    await expect(computeGraph(g, sched, graph)).rejects.toThrow(/SOCIETY_GGML_COMPUTE must be thread, main or koffi-async/);
  });
});
