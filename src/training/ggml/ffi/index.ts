import koffi, { type TypeObject } from "koffi";
import { GGML_BACKEND_DEVICE_TYPE, GGML_STATUS_SUCCESS } from "./constants.js";
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
    type: number; ne: (number | bigint)[]; nb: (number | bigint)[]; flags: number; name: string; data: bigint | null;
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

/**
 * Runs a scheduled graph. By default on the calling thread, then yields to the event loop once, so timers,
 * progress output and abort signals are served between graph runs. (Running it on a koffi worker thread keeps
 * the event loop free during the run too, but measured clearly slower with two threads on a busy CPU —
 * ggml's thread 0 then hops between pool threads — so that mode is opt-in: SOCIETY_GGML_WORKER_THREAD=1.)
 */
export function computeGraph(g: Ggml, sched: Sched, graph: Graph): Promise<void> {
  if (process.env.SOCIETY_GGML_WORKER_THREAD === "1") {
    return new Promise((resolve, reject) => {
      g.backend.sched_graph_compute.async(sched, graph, (err: unknown, status: number) => {
        if (err) reject(err);
        else if (status !== GGML_STATUS_SUCCESS) reject(new Error(`ggml graph compute failed with status ${status}`));
        else resolve();
      });
    });
  }
  const status = g.backend.sched_graph_compute(sched, graph);
  if (status !== GGML_STATUS_SUCCESS) return Promise.reject(new Error(`ggml graph compute failed with status ${status}`));
  return new Promise((resolve) => setImmediate(resolve));
}
