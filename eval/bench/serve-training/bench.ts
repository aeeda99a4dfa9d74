/**
 * Does a fine-tuning job block `society serve`? For each ggml compute mode (SOCIETY_GGML_COMPUTE: thread —
 * the default —, koffi-async, main) this starts the real CLI on loopback with a random llama model, starts a
 * LoRA fine-tuning job, and while it trains sends GET /health one after another, timing each; then cancels.
 *
 *   npm run bench:serve-training -- [--modes thread,koffi-async,main] [--seconds 20] [--repeats 1] [--ft-threads 1]
 *                                   [--layers 2] [--embd 128]
 *
 * Per mode: /health with nothing training (idle: what the machine's load alone costs), then one job: a quiet phase (--seconds / 2, nobody asks anything: training steps/s), then a
 * busy one (--seconds: GET /health one after another, 10 ms apart). Prints the /health requests answered,
 * their p50/p99/max latency (ms), and steps/s in both phases (from the job's metrics events, which come at
 * most once a second). Goal: /health p99 < 50 ms in the default mode.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRandomLlamaGguf } from "../../../src/models/llama-gguf.js";
import { spawnServe } from "../../../test/server/spawn-serve.js";
import { benchFlags } from "../common/flags.js";
import { median } from "../common/median.js";

const a = benchFlags({ modes: "thread,koffi-async,main", repeats: 1, seconds: 20, "ft-threads": 1, layers: 2, embd: 128 });
const { seconds } = a;
const dir = mkdtempSync(join(tmpdir(), "society-bench-serve-training-"));
const modelPath = join(dir, "base.gguf");
const embd = a.embd;
createRandomLlamaGguf({ path: modelPath, nLayer: a.layers, nEmbd: embd, nHead: 4, nFf: 3 * embd, ctx: 512, seed: 1 });

const examples = Array.from({ length: 256 }, (_, i) =>
  JSON.stringify({
    messages: [
      { role: "user", content: `What is ${i} + ${i % 7}? Answer in a box.` },
      { role: "assistant", content: `${i} + ${i % 7} = ${i + (i % 7)}. \\boxed{${i + (i % 7)}}` },
    ],
  }),
).join("\n");

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** CPU seconds a process has used (Linux /proc; undefined elsewhere). */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return undefined;
  }
}

/** GET /health one request after another (10 ms apart) for `ms`: latencies, and the slow ones with when. */
async function pollHealth(url: string, ms: number): Promise<{ lat: number[]; slow: string[] }> {
  const lat: number[] = [];
  const slow: string[] = [];
  const start = performance.now();
  while (performance.now() < start + ms) {
    const t0 = performance.now();
    await (await fetch(url)).text();
    const d = performance.now() - t0;
    lat.push(d);
    if (d > 100) slow.push(`${((t0 - start) / 1000).toFixed(1)}s:${d.toFixed(0)}ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return { lat, slow };
}

interface Row {
  mode: string;
  idleP50: number;
  idleP99: number;
  n: number;
  p50: number;
  p99: number;
  max: number;
  quietRate: number;
  busyRate: number;
  cpuPerStep: number;
}
const rows: Row[] = [];
try {
  const order = Array.from({ length: a.repeats }, () => a.modes.split(",")).flat();
  for (const mode of order) {
    const serve = await spawnServe(
      [
        "--model",
        `m=${modelPath}`,
        "--data-dir",
        join(dir, `data-${mode}`),
        "--ft-threads",
        String(a["ft-threads"]),
        "--ft-batch-size",
        "8",
      ],
      { SOCIETY_GGML_COMPUTE: mode },
    );
    try {
      const base = serve.baseURL;
      const health = `${base.replace(/\/v1$/, "")}/health`;
      // Idle: the same requests with nothing training (what this machine's load alone costs).
      const idle = await pollHealth(health, (seconds * 1000) / 2);
      const form = new FormData();
      form.set("purpose", "fine-tune");
      form.set("file", new File([examples], "train.jsonl"));
      const file = (await (await fetch(`${base}/files`, { method: "POST", body: form })).json()) as { id: string };
      const job = (await (
        await fetch(`${base}/fine_tuning/jobs`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: "m", training_file: file.id, hyperparameters: { n_epochs: 50 } }),
        })
      ).json()) as { id: string };
      const status = async () => ((await (await fetch(`${base}/fine_tuning/jobs/${job.id}`)).json()) as { status: string }).status;
      const lastStep = async () => {
        const events = (
          (await (await fetch(`${base}/fine_tuning/jobs/${job.id}/events?limit=100`)).json()) as {
            data: Array<{ type: string; data: { step?: number; tokens_per_second?: number } | null }>;
          }
        ).data;
        return events.find((e) => e.type === "metrics")?.data ?? undefined;
      };
      while ((await status()) !== "running") await new Promise((r) => setTimeout(r, 50));
      // Past loading the model and rendering the examples: the first metrics event.
      while (!(await lastStep())) await new Promise((r) => setTimeout(r, 200));
      // Quiet phase: how fast it trains with nobody asking anything.
      const q0 = { step: (await lastStep())!.step!, t: performance.now(), cpu: cpuSeconds(serve.child.pid) };
      await new Promise((r) => setTimeout(r, (seconds * 1000) / 2));
      const q1 = { step: (await lastStep())!.step!, t: performance.now(), cpu: cpuSeconds(serve.child.pid) };
      // Busy phase: /health one request after another (10 ms apart), timed.
      const { lat, slow } = await pollHealth(health, seconds * 1000);
      const b1 = { step: (await lastStep())!.step!, t: performance.now() };
      const running = (await status()) === "running";
      await fetch(`${base}/fine_tuning/jobs/${job.id}/cancel`, { method: "POST" });
      if (!running) console.error(`warning: ${mode}: the job finished before the measurement did`);
      if (slow.length) console.error(`${mode}: /health over 100 ms at ${slow.slice(0, 12).join(", ")}${slow.length > 12 ? ", …" : ""}`);
      const quietRate = (q1.step - q0.step) / ((q1.t - q0.t) / 1000);
      const cpuPerStep = q0.cpu !== undefined && q1.cpu !== undefined ? ((q1.cpu - q0.cpu) * 1000) / (q1.step - q0.step) : NaN;
      const busyRate = (b1.step - q1.step) / ((b1.t - q1.t) / 1000);
      rows.push({
        mode,
        idleP50: pct(idle.lat, 50),
        idleP99: pct(idle.lat, 99),
        n: lat.length,
        p50: pct(lat, 50),
        p99: pct(lat, 99),
        max: Math.max(...lat),
        quietRate,
        busyRate,
        cpuPerStep,
      });
      const r = rows[rows.length - 1]!;
      console.log(
        `${mode}: idle /health p50 ${r.idleP50.toFixed(1)} ms, p99 ${r.idleP99.toFixed(1)} ms; while training ×${r.n} p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(0)} ms; training steps/s ${quietRate.toFixed(2)} quiet (${cpuPerStep.toFixed(0)} CPU ms/step), ${busyRate.toFixed(2)} under /health`,
      );
    } finally {
      await serve.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\nmedians over ${a.repeats} run(s) per mode (modes interleaved):`);
console.log(
  "| mode | idle p99 ms | training: p50 ms | p99 ms | max ms | steps/s quiet | CPU ms/step | steps/s under /health |\n|---|---|---|---|---|---|---|---|",
);
for (const mode of a.modes.split(",")) {
  const rs = rows.filter((r) => r.mode === mode);
  const m = (f: (r: Row) => number, d = 1) => median(rs.map(f)).toFixed(d);
  console.log(
    `| ${mode} | ${m((r) => r.idleP99)} | ${m((r) => r.p50)} | ${m((r) => r.p99)} | ${m((r) => r.max, 0)} | ${m((r) => r.quietRate, 2)} | ${m((r) => r.cpuPerStep, 0)} | ${m((r) => r.busyRate, 2)} |`,
  );
}
