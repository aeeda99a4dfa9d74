/**
 * LoRA gradients on the GPU backend vs the CPU backend: the same model, the same LoRA values (B made
 * non-zero so every gradient is), the same token rows; one forward+backward on each. Prints the relative
 * difference ‖g_gpu − g_cpu‖ / ‖g_cpu‖ per parameter kind and the loss on each.
 *
 *   npx tsx eval/bench/gpu/grad-compare.ts --model m.gguf [--ctx 128] [--rows 2] [--threads 16]
 *
 * Without a GPU backend it compares the CPU with itself (a check of this script, printed as such).
 */
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { microBatches, packRows } from "../../../src/training/ggml/data/rows.js";
import { createBackends, loadGgml } from "../../../src/training/ggml/ffi/index.js";
import { DEFAULT_LORA } from "../../../src/training/defaults.js";
import { createLora } from "../../../src/training/ggml/lora.js";
import { loadWeights } from "../../../src/training/ggml/model/weights.js";
import { Rng } from "../../../src/training/ggml/rng.js";
import { TrainSession } from "../../../src/training/ggml/session.js";
import { benchFlags } from "../common/flags.js";
import { randomTokenRows } from "../common/token-rows.js";

const a = benchFlags({ model: undefined, ctx: 128, rows: 2, threads: 4 });
if (!a.model) throw new Error("--model is required");
const modelPath = a.model;
const T = a.ctx;
const B = a.rows;
const llama = await getLlama({ logLevel: LlamaLogLevel.error });
const g = loadGgml(llama.gpu);

const { rows } = packRows(randomTokenRows(7, "grad-rows", B, T), T, false);
const [mb] = microBatches(rows, B, T);
const targets = mb!.reduce((s, r) => s + r.nTargets, 0);

async function gradients(useGpu: boolean) {
  const be = createBackends(g, useGpu);
  be.setThreads(a.threads);
  const w = loadWeights(g, be.main, modelPath, { trainAll: false });
  const lora = createLora(g, be.main, w, { ...DEFAULT_LORA, rank: 8, alpha: 16 }, 3);
  const s = new TrainSession(g, be, w, lora, { T, B, maxGradNorm: 0 });
  try {
    // B starts at zero (so A's gradient would be zero too): give it seeded small values.
    const r = new Rng(11, "lora-b");
    for (const p of lora.pairs.values())
      s.write(
        p.b,
        Float32Array.from({ length: p.nOut * 8 }, () => r.uniform(-0.01, 0.01)),
      );
    s.setBatch(mb!, true);
    const t0 = performance.now();
    const loss = (await s.accumulate(s.N / targets)) / targets;
    const seconds = (performance.now() - t0) / 1000;
    const grads = new Map(s.params.map((p) => [p.name, s.read(p.acc, p.numel)]));
    return { backend: be.name, isGpu: be.isGpu, loss, seconds, grads };
  } finally {
    s.free();
    lora.free();
    w.free();
    be.free();
  }
}

const main = await gradients(true);
const cpu = await gradients(false);
console.log(`model ${a.model}; ${B} rows × ${T} tokens; LoRA r=8 on ${DEFAULT_LORA.targets.join(",")}`);
console.log(
  `${main.isGpu ? main.backend : "no GPU backend — CPU vs CPU"}: loss ${main.loss.toFixed(6)} (${main.seconds.toFixed(2)} s); CPU: loss ${cpu.loss.toFixed(6)} (${cpu.seconds.toFixed(2)} s)`,
);
const byKind = new Map<string, { num: number; den: number }>();
for (const [name, gc] of cpu.grads) {
  const gg = main.grads.get(name)!;
  const kind = name.replace(/^blk\.\d+\./, "").replace(/\.weight\.lora_/, ".lora_");
  const k = byKind.get(kind) ?? { num: 0, den: 0 };
  for (let i = 0; i < gc.length; i++) {
    k.num += (gg[i]! - gc[i]!) ** 2;
    k.den += gc[i]! ** 2;
  }
  byKind.set(kind, k);
}
let worst = 0;
for (const [kind, { num, den }] of [...byKind].sort()) {
  const rel = Math.sqrt(num / Math.max(den, 1e-30));
  worst = Math.max(worst, rel);
  console.log(`  ${kind.padEnd(22)} relative difference ${rel.toExponential(2)}`);
}
console.log(
  `loss difference ${Math.abs(main.loss - cpu.loss).toExponential(2)}; worst gradient relative difference: ${worst.toExponential(2)}`,
);
