import { availableParallelism, loadavg } from "node:os";

/**
 * Threads for ggml training on a shared CPU. ggml's worker threads spin-wait at every barrier, so when
 * other processes hold the cores, 2 threads ran 3× slower than 1 here (and burnt 3× the CPU). We use all
 * cores only when the machine looks idle (1-minute load average under 0.5), else one thread.
 */
export function autoThreads(): number {
  const cores = availableParallelism();
  return loadavg()[0]! < 0.5 ? cores : 1;
}
