/**
 * LoRA training throughput and peak memory vs context length: for each T, a fresh process trains a few
 * optimizer steps of one T-token row (default LoRA targets, r=8) on the model, with llama's own backend
 * choice (CUDA when node-llama-cpp uses it). tokens/s is over steps 2..n (step 1 pays one-off costs);
 * memory is the process's peak RSS and, where nvidia-smi exists, the GPU's peak used memory above what
 * it used before the process started (sampled every 100 ms).
 *
 *   npx tsx eval/bench/gpu/train-context.ts --model m.gguf [--ctx 512,1024,2048,4096] [--steps 4] [--threads 16]
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchFlags } from "../common/flags.js";
import { randomTokenRows } from "../common/token-rows.js";

const a = benchFlags({ model: undefined, ctx: "512,1024,2048,4096", steps: 4, threads: 4, child: false, batch: 1 });
if (!a.model) throw new Error("--model is required");

if (a.child) {
  const { trainGgml } = await import("../../../src/training/ggml/index.js");
  const T = Number(a.ctx);
  const B = a.batch;
  const sequences = randomTokenRows(5, "ctx-bench", a.steps * B, T);
  const dir = mkdtempSync(join(tmpdir(), "ctx-bench-"));
  const stamps: number[] = [];
  let backend = "";
  try {
    const res = await trainGgml({
      baseModelPath: a.model,
      sequences,
      mode: "lora",
      outPath: join(dir, "a.gguf"),
      seed: 1,
      threads: a.threads,
      contextLength: T,
      pack: false,
      optim: { lr: 1e-4, epochs: 1, batchSize: B, schedule: "constant", maxGradNorm: 0 },
      onProgress: () => stamps.push(performance.now()),
      onLog: (m) => {
        const x = /training of .* on (\S+):/.exec(m);
        if (x) backend = x[1]!;
      },
    });
    const steady = stamps.length > 1 ? ((stamps.length - 1) * T * B) / ((stamps.at(-1)! - stamps[0]!) / 1000) : res.tokensPerSecond;
    process.stdout.write(
      `${JSON.stringify({ T, B, backend, steps: res.steps, tokensPerSecond: steady, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

const gpuUsed = (): number | undefined => {
  try {
    return Math.max(
      ...execFileSync("nvidia-smi", ["--query-gpu=memory.used", "--format=csv,noheader,nounits"], { encoding: "utf8" })
        .trim()
        .split("\n")
        .map(Number),
    );
  } catch {
    return undefined;
  }
};

console.log(`model ${a.model}; LoRA r=8 default targets; ${a.batch} row(s) per step; ${a.steps} steps per context length`);
console.log("   T  backend       tokens/s   peak RSS MiB   peak GPU MiB (above idle)");
for (const T of a.ctx.split(",").map(Number)) {
  const idle = gpuUsed();
  let peak = idle;
  const poll =
    idle === undefined
      ? undefined
      : setInterval(() => {
          const u = gpuUsed();
          if (u !== undefined && u > (peak ?? 0)) peak = u;
        }, 100);
  const out = await new Promise<string>((resolve, reject) => {
    const c = spawn(
      process.execPath,
      [
        ...process.execArgv,
        process.argv[1]!,
        "--child",
        "--model",
        a.model!,
        "--ctx",
        String(T),
        "--steps",
        String(a.steps),
        "--threads",
        String(a.threads),
        "--batch",
        String(a.batch),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let s = "";
    c.stdout.on("data", (d) => (s += d));
    c.on("error", reject);
    c.on("exit", (code) => (code === 0 ? resolve(s) : reject(new Error(`T=${T}: child exited ${code}`))));
  }).catch((e) => `ERROR ${(e as Error).message}`);
  if (poll) clearInterval(poll);
  if (out.startsWith("ERROR")) {
    console.log(`${String(T).padStart(5)}  ${out}`);
    continue;
  }
  const r = JSON.parse(out.trim().split("\n").at(-1)!);
  const gpu = idle === undefined ? "n/a" : String(Math.round((peak ?? idle) - idle));
  console.log(
    `${String(T).padStart(5)}  ${r.backend.padEnd(12)} ${r.tokensPerSecond.toFixed(1).padStart(9)}   ${r.maxRssMiB.toFixed(0).padStart(12)}   ${gpu.padStart(12)}`,
  );
}
