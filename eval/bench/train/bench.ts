/**
 * Training throughput: our ggml trainer vs llama.cpp's own training path (llama_opt_epoch), same libraries,
 * same model, same token rows, same batch shape (one T-token row per optimizer step, AdamW, F32 weights).
 *
 *   npm run bench:train -- [--threads N] [--ctx 256] [--rows 8] [--repeats 3] [--model path.gguf]
 *
 * Runs alternate (society, llama.cpp, society, …) so load from other processes hits both alike; R is the
 * median over repeats of the ratio within each adjacent pair (robust to load drifting during the benchmark).
 * The last line is `train tokens/s ratio (society / llama.cpp): R`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { trainGgml } from "../../../src/training/ggml/index.js";
import { openGguf } from "../../../src/training/ggml/gguf/read.js";
import { Rng } from "../../../src/training/ggml/rng.js";
import { writeTinyModel } from "../../../test/training/fixtures/tiny-model.js";
import { llamaCppEpoch } from "../../../src/training/ggml/ffi/llama-epoch.js";
import { benchFlags } from "../common/flags.js";
import { median } from "../common/median.js";

const a = benchFlags({ threads: availableParallelism(), ctx: 256, rows: 8, repeats: 3, model: undefined, layers: 4, embd: 256 });
const { threads, repeats } = a;
const T = a.ctx;
const nRows = a.rows;
const lr = 1e-4;

const dir = mkdtempSync(join(tmpdir(), "society-bench-train-"));
try {
  let modelPath = a.model;
  if (!modelPath) {
    modelPath = join(dir, "bench.gguf");
    const nEmbd = a.embd;
    await writeTinyModel(modelPath, {
      nLayer: a.layers,
      nEmbd,
      nHead: nEmbd / 32,
      nHeadKv: nEmbd / 64,
      nFf: 3 * nEmbd,
      nCtx: T,
      seed: 11,
    });
  }
  const f = openGguf(modelPath);
  const arch = String(f.get("general.architecture"));
  const vocab = (f.get("tokenizer.ggml.tokens") as unknown[]).length;
  const desc = `${arch}, ${f.get(`${arch}.block_count`)} layers, d=${f.get(`${arch}.embedding_length`)}, vocab ${vocab}`;
  f.close();
  const rng = new Rng(5, "bench-tokens");
  const rows = Array.from({ length: nRows }, () => Array.from({ length: T + 1 }, () => 3 + rng.int(Math.max(1, vocab - 3))));
  console.log(`model: ${desc}; ${nRows} rows × ${T} tokens, batch 1 row/step, ${threads} threads, ${repeats} alternating repeats`);
  console.log("(timings share the CPU with whatever else runs on this machine)");

  const ours: number[] = [];
  const ref: number[] = [];
  const oursCpu: number[] = [];
  const refCpu: number[] = [];
  for (let r = 1; r <= repeats; r++) {
    // CPU time of steps 2..n (step 1 carries one-off costs), from the progress callbacks.
    let cpuAtFirst = 0;
    let cpuAtLast = 0;
    const cpuNow = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    };
    const res = await trainGgml({
      baseModelPath: modelPath,
      sequences: rows.map((tokens) => ({ tokens, lossMask: tokens.map(() => 1) })),
      mode: "full",
      outPath: join(dir, "out.gguf"),
      seed: 1,
      threads,
      contextLength: T,
      pack: false,
      optim: { lr, epochs: 1, batchSize: 1, gradAccum: 1, weightDecay: 0, warmupSteps: 0, schedule: "constant", maxGradNorm: 0 },
      onProgress: (p) => {
        if (p.step === 1) cpuAtFirst = cpuNow();
        if (p.step === p.totalSteps) cpuAtLast = cpuNow();
      },
    });
    ours.push(res.tokensPerSecond);
    oursCpu.push(((nRows - 1) * T) / (cpuAtLast - cpuAtFirst));
    const mean = res.lossCurve.reduce((s, p) => s + p.loss, 0) / res.lossCurve.length;
    console.log(`society   run ${r}: ${res.tokensPerSecond.toFixed(1)} tokens/s (mean train loss ${mean.toFixed(4)})`);
    const l = llamaCppEpoch(modelPath, rows, T, threads, lr);
    ref.push(l.tokensPerSecond);
    refCpu.push((nRows * T) / l.cpuSeconds);
    console.log(`llama.cpp run ${r}: ${l.tokensPerSecond.toFixed(1)} tokens/s (mean train loss ${l.loss.toFixed(4)})`);
  }
  const best = (xs: number[]) => Math.max(...xs);
  console.log(`society tokens/s: median ${median(ours).toFixed(1)}, best ${best(ours).toFixed(1)}`);
  console.log(`llama.cpp tokens/s: median ${median(ref).toFixed(1)}, best ${best(ref).toFixed(1)}`);
  console.log(`ratio of medians ${(median(ours) / median(ref)).toFixed(3)}, of bests ${(best(ours) / best(ref)).toFixed(3)}`);
  console.log(
    `tokens per CPU-second (work, insensitive to load; spinning threads count): society ${median(oursCpu).toFixed(1)}, ` +
      `llama.cpp ${median(refCpu).toFixed(1)}, ratio ${(median(oursCpu) / median(refCpu)).toFixed(3)}`,
  );
  console.log(
    "(llama.cpp's path skips the attn_k/attn_v and token-embedding gradients — see the facts notes — so it does less work per step)",
  );
  console.log(`train tokens/s ratio (society / llama.cpp): ${median(ours.map((x, i) => x / ref[i])).toFixed(3)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
