import { availableParallelism, cpus, loadavg } from "node:os";

/**
 * Threads for ggml training on a shared CPU. ggml's worker threads spin-wait at every barrier, so when
 * other processes hold the cores, 2 threads ran 3× slower than 1 here (and burnt 3× the CPU). We use all
 * cores only when the machine is idle now, else one thread.
 *
 * "Now" is what the cores did over the last `windowMs` (busy under 25%), not the load average: the
 * 1-minute load average still counts a just-finished `npm install` for minutes, which put the main job's
 * model build on one thread of an idle 2-core machine. Where the cores report no times, the load average.
 */
export function autoThreads(windowMs = 500): number {
  const cores = availableParallelism();
  const before = cpuTimes();
  if (!before) return loadavg()[0]! < 0.5 ? cores : 1;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, windowMs);
  const after = cpuTimes()!;
  const total = after.total - before.total;
  const busy = total - (after.idle - before.idle);
  return total > 0 && busy / total < 0.25 ? cores : 1;
}

function cpuTimes(): { total: number; idle: number } | null {
  const all = cpus();
  if (!all.length) return null;
  let total = 0,
    idle = 0;
  for (const c of all) {
    const t = c.times;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
    idle += t.idle;
  }
  return total > 0 ? { total, idle } : null;
}
