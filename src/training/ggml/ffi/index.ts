import koffi, { type TypeObject } from "koffi";
import { GGML_BACKEND_DEVICE_TYPE, GGML_STATUS_SUCCESS } from "./constants.js";
import { computeOnThread } from "./compute-thread.js";
import { bindBackend, bindGgmlCore, bindGguf, bindRegistry } from "./ggml.js";
import type { Backend, Graph, Sched, Tensor } from "./ggml.js";
import { locateGgmlLibs, type GgmlLibFiles } from "./locate.js";
import { ggml_tensor } from "./structs.js";

export * from "./constants.js";
export type * from "./ggml.js";
export { locateGgmlLibs } from "./locate.js";
export { copyToNative } from "./native-data.js";

/** The bound ggml API: one instance per process (the libraries are process-global anyway). */
export interface Ggml {
  files: GgmlLibFiles;
  core: ReturnType<typeof bindGgmlCore>;
  gguf: ReturnType<typeof bindGguf>;
  backend: ReturnType<typeof bindBackend>;
  registry: ReturnType<typeof bindRegistry>;
}

let loaded: Ggml | undefined;

/**
 * Loads libggml-base and libggml from node-llama-cpp's build (see locateGgmlLibs) and makes sure the backend
 * modules of that folder are registered (node-llama-cpp may have done it already in this process).
 */
export function loadGgml(gpu: string | false = false): Ggml {
  if (loaded) return loaded;
  const files = locateGgmlLibs(gpu);
  const base = koffi.load(files.base);
  const reg = koffi.load(files.ggml);
  const registry = bindRegistry(reg);
  if (!registry.reg_by_name("CPU")) registry.load_all_from_path(files.dir);
  if (!registry.reg_by_name("CPU")) throw new Error(`no CPU backend could be loaded from ${files.dir}`);
  loaded = { files, core: bindGgmlCore(base), gguf: bindGguf(base), backend: bindBackend(base), registry };
  return loaded;
}

/** Fields of a tensor struct we read from JS (shape, type, name); decoded from native memory. */
export interface TensorInfo {
  type: number;
  ne: [number, number, number, number];
  nb: [number, number, number, number];
  flags: number;
  name: string;
  data: bigint | null;
}

export function tensorInfo(t: Tensor): TensorInfo {
  const s = koffi.decode(t, ggml_tensor) as {
    type: number;
    ne: (number | bigint)[];
    nb: (number | bigint)[];
    flags: number;
    name: string;
    data: bigint | null;
  };
  return {
    type: s.type,
    ne: s.ne.map(Number) as TensorInfo["ne"],
    nb: s.nb.map(Number) as TensorInfo["nb"],
    flags: s.flags,
    name: s.name,
    data: s.data,
  };
}

/** A compute backend plus the CPU backend the scheduler needs last in its list. */
export interface ComputeBackends {
  main: Backend;
  cpu: Backend;
  isGpu: boolean;
  name: string;
  setThreads(n: number): void;
  free(): void;
}

// koffi type names are process-global: declare the prototype once, however many trainers run.
let setThreadsProtoCache: TypeObject | undefined;
function setThreadsProto(): TypeObject {
  return (setThreadsProtoCache ??= koffi.proto("void ggml_backend_set_n_threads_t(void * backend, int n_threads)"));
}

/**
 * Creates the backends: a GPU one when `useGpu` and one is registered, and always the CPU one
 * (`ggml_backend_cpu_init` lives only in the per-CPU-variant library, so we go through the registry).
 */
export function createBackends(g: Ggml, useGpu: boolean): ComputeBackends {
  const cpu = g.registry.init_by_type(GGML_BACKEND_DEVICE_TYPE.CPU, null);
  if (!cpu) throw new Error("could not initialise the ggml CPU backend");
  let gpu: Backend | null = null;
  if (useGpu) {
    gpu = g.registry.init_by_type(GGML_BACKEND_DEVICE_TYPE.GPU, null) ?? g.registry.init_by_type(GGML_BACKEND_DEVICE_TYPE.IGPU, null);
  }
  const regCpu = g.backend.dev_backend_reg(g.backend.get_device(cpu));
  const setPtr = g.backend.reg_get_proc_address(regCpu, "ggml_backend_set_n_threads");
  const setNThreads = setPtr ? (koffi.decode(setPtr, setThreadsProto()) as (b: Backend, n: number) => void) : undefined;
  const main = gpu ?? cpu;
  return {
    main,
    cpu,
    isGpu: gpu !== null,
    name: g.backend.name(main),
    setThreads(n: number) {
      setNThreads?.(cpu, Math.max(1, Math.floor(n)));
    },
    free() {
      if (gpu) g.backend.free(gpu);
      g.backend.free(cpu);
    },
  };
}

/** Where graph computations run: "thread" (default), "main" or "koffi-async"; see computeGraph. */
export type ComputeMode = "thread" | "main" | "koffi-async";

export function computeMode(): ComputeMode {
  const v = process.env.SOCIETY_GGML_COMPUTE;
  if (v === undefined || v === "" || v === "thread") return "thread";
  if (v === "main" || v === "koffi-async") return v;
  throw new Error(`SOCIETY_GGML_COMPUTE must be thread, main or koffi-async (got ${JSON.stringify(v)})`);
}

/**
 * Runs a scheduled graph. By default on a dedicated compute thread (compute-thread.ts), so the event loop
 * stays free while it runs: a server keeps answering and a progress display keeps drawing during training.
 * SOCIETY_GGML_COMPUTE=main runs it on the calling thread and yields to the event loop once afterwards;
 * koffi-async uses koffi's async call (libuv's pool). Measured in eval/bench/serve-training/README.md.
 */
export async function computeGraph(g: Ggml, sched: Sched, graph: Graph): Promise<void> {
  const mode = computeMode();
  let status: number;
  if (mode === "thread") status = await computeOnThread(g.files.base, sched, graph);
  else if (mode === "koffi-async") {
    status = await new Promise<number>((resolve, reject) => {
      g.backend.sched_graph_compute.async(sched, graph, (err: unknown, st: number) => (err ? reject(err) : resolve(st)));
    });
  } else {
    status = g.backend.sched_graph_compute(sched, graph);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (status !== GGML_STATUS_SUCCESS) throw new Error(`ggml graph compute failed with status ${status}`);
}
