/**
 * One dedicated thread that runs ggml graph computations, so a training step never blocks the event loop
 * (a server answering requests, a progress display). The thread loads the same libggml-base the process
 * already has (dlopen returns the same library), so the scheduler and graph the trainer built on the main
 * thread are valid there: it is handed their addresses and calls ggml_backend_sched_graph_compute on them.
 *
 * Why a thread of our own rather than koffi's async calls: those run on libuv's pool, a different thread
 * from call to call, and ggml's CPU threads then hop with them; measured in eval/bench/serve-training.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { Graph, Sched } from "./ggml.js";

// Plain CommonJS run by the worker (no TypeScript loader there): koffi and the library come by path.
const SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const koffi = require(workerData.koffi);
const compute = koffi.load(workerData.lib).func("int ggml_backend_sched_graph_compute(void * s, void * g)");
parentPort.on("message", ({ id, sched, graph }) => {
  try {
    parentPort.postMessage({ id, status: compute(sched, graph) });
  } catch (e) {
    parentPort.postMessage({ id, error: String((e && e.message) || e) });
  }
});
`;

interface Pending {
  resolve: (status: number) => void;
  reject: (e: Error) => void;
}

class ComputeThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private next = 0;

  constructor(
    lib: string,
    private readonly onGone: () => void,
  ) {
    const koffi = createRequire(import.meta.url).resolve("koffi");
    this.worker = new Worker(SOURCE, { eval: true, workerData: { koffi, lib } });
    this.worker.unref(); // an idle compute thread never keeps the process alive
    this.worker.on("message", (m: { id: number; status?: number; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if (m.error !== undefined) p.reject(new Error(`ggml graph compute failed: ${m.error}`));
      else p.resolve(m.status!);
    });
    const fail = (e: Error) => {
      this.onGone();
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`the ggml compute thread exited (code ${code})`)));
  }

  run(sched: Sched, graph: Graph): Promise<number> {
    const id = this.next++;
    // Held while a computation runs, so the process waits for it (and the trainer's await) to finish.
    if (this.pending.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, sched, graph });
    });
  }
}

let thread: ComputeThread | undefined;

/** Runs `sched_graph_compute(sched, graph)` on the compute thread (started on first use) and resolves with its status. */
export function computeOnThread(lib: string, sched: Sched, graph: Graph): Promise<number> {
  thread ??= new ComputeThread(lib, () => (thread = undefined));
  return thread.run(sched, graph);
}
