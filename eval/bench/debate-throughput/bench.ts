/**
 * Debate generation throughput: the same B sequences (same model, prompt, sampling, seeds) generated
 *   (a) by our engine's batched generation (LlamaBackend.generate, B requests in flight, as a debate round issues them),
 *       and (a2) the same engine with node-llama-cpp's public sequence API instead of its batch decoder,
 *   (b) by node-llama-cpp one sequence after another (LlamaContextSequence.evaluate, one at a time),
 *   (c) by node-llama-cpp's lowest-level batched decoding (the native context's batch calls, see lowlevel.ts),
 * plus the cost of LoRA: the same B requests spread over K adapters (K contexts, as K differently
 * finetuned agents need) versus all on one adapter (one context, B sequences).
 *
 *   npm run bench:debate -- [--b 3] [--adapters 3] [--tokens 128] [--threads 1] [--repeats 3] [--model path.gguf] [--shape medium|small]
 *
 * Modes alternate within each repeat so load from other processes hits all alike; medians are compared.
 * The last line is `engine/(c) tokens/s ratio: R`.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, LlamaLogLevel, resolveChatWrapper, type Token } from "node-llama-cpp";
import { LlamaBackend } from "../../../src/backends/llama/backend.js";
import { renderPromptTokens } from "../../../src/backends/llama/chat.js";
import type { AgentModel, ChatMessage } from "../../../src/backends/types.js";
import { generatorChat } from "../../../src/protocols/debate/prompts.js";
import { createRandomLlamaGguf, type LlamaShape } from "../../../src/models/llama-gguf.js";
import { defaultModelsDir } from "../../../src/models/paths.js";
import { writeRandomLora } from "../../../test/backends/random-lora.js";
import { lowLevelBatched } from "./lowlevel.js";
import { benchFlags } from "../common/flags.js";
import { median } from "../common/median.js";

const a = benchFlags({ b: 3, adapters: 3, tokens: 128, threads: 1, repeats: 3, model: undefined, shape: "medium" });
const B = a.b;
const K = Math.min(a.adapters, B);
const T = a.tokens;
const { threads, repeats } = a;
const sampling = { temperature: 1, topP: 0.9 };

const SHAPES: Record<string, LlamaShape> = {
  small: { nLayer: 2, nEmbd: 64, nHead: 4, nHeadKv: 4, nFf: 128, ctx: 1024 },
  medium: { nLayer: 8, nEmbd: 512, nHead: 8, nHeadKv: 8, nFf: 1536, ctx: 1024 },
};

const dir = mkdtempSync(join(tmpdir(), "society-bench-debate-"));
try {
  const shape = SHAPES[a.shape];
  if (!shape) throw new Error(`--shape: one of ${Object.keys(SHAPES).join(", ")}`);
  let modelPath = a.model;
  if (!modelPath) {
    mkdirSync(defaultModelsDir(), { recursive: true });
    modelPath = join(defaultModelsDir(), `bench-random-${a.shape}.gguf`);
    if (!existsSync(modelPath)) createRandomLlamaGguf({ ...shape, path: modelPath, seed: 1, name: `society-bench-${a.shape}` });
  }
  const base: AgentModel = { base: modelPath };
  const chat: ChatMessage[] = generatorChat({ task: "arithmetic", vars: { question: "3+2*1+0-3*2" } });
  const seeds = Array.from({ length: B }, (_, i) => 1000 + i);

  const backend = await LlamaBackend.create({ gpu: "auto", threads, parallel: B, contextSize: 512 });
  const publicApi = await LlamaBackend.create({ gpu: "auto", threads, parallel: B, contextSize: 512, publicApiOnly: true });
  const llama = await getLlama({ gpu: "auto", logLevel: LlamaLogLevel.error, maxThreads: threads });
  const model = await llama.loadModel({ modelPath });
  const prompt = renderPromptTokens(model, resolveChatWrapper(model), chat).tokens;
  const serialCtx = await model.createContext({ sequences: 1, contextSize: 512, flashAttention: false });
  const serialSeq = serialCtx.getSequence();
  const batchCtx = await model.createContext({
    sequences: B,
    contextSize: 512,
    flashAttention: false,
    batchSize: Math.max(512, B * prompt.length),
  });
  // Adapters need the base's shape: only for the bench's own random model.
  const adapters = a.model
    ? []
    : Array.from({ length: K }, (_, i) =>
        writeRandomLora({ path: join(dir, `a${i}.gguf`), nLayer: shape.nLayer, nEmbd: shape.nEmbd, seed: i + 1, std: 0.05 }),
      );

  const modes: Record<string, () => Promise<number>> = {
    "(a) engine batched": async () => {
      const gs = await Promise.all(seeds.map((seed) => backend.generate(base, chat, { ...sampling, maxTokens: T, seed })));
      return gs.reduce((s, g) => s + g.completionTokens, 0);
    },
    "(a2) engine on node-llama-cpp's sequence API": async () => {
      const gs = await Promise.all(seeds.map((seed) => publicApi.generate(base, chat, { ...sampling, maxTokens: T, seed })));
      return gs.reduce((s, g) => s + g.completionTokens, 0);
    },
    "(b) node-llama-cpp one at a time": async () => {
      let n = 0;
      for (const seed of seeds) {
        await serialSeq.clearHistory();
        let k = 0;
        for await (const _t of serialSeq.evaluate(prompt, { ...sampling, topK: 0, minP: 0, seed })) if (++k >= T) break;
        n += k;
      }
      return n;
    },
    "(c) lowest-level batched decode": async () => {
      const out = await lowLevelBatched(
        model,
        batchCtx,
        seeds.map((seed) => ({ prompt: prompt as Token[], seed })),
        { ...sampling, maxTokens: T },
      );
      return out.reduce((s, t) => s + t.length, 0);
    },
    ...(adapters.length === 0
      ? {}
      : {
          [`(d) engine, requests over ${K} LoRAs (${K} contexts)`]: async () => {
            const gs = await Promise.all(
              seeds.map((seed, i) => backend.generate({ ...base, adapter: adapters[i % K] }, chat, { ...sampling, maxTokens: T, seed })),
            );
            return gs.reduce((s, g) => s + g.completionTokens, 0);
          },
          "(e) engine, one LoRA shared (1 context)": async () => {
            const gs = await Promise.all(
              seeds.map((seed) => backend.generate({ ...base, adapter: adapters[0] }, chat, { ...sampling, maxTokens: T, seed })),
            );
            return gs.reduce((s, g) => s + g.completionTokens, 0);
          },
        }),
  };

  const rates: Record<string, number[]> = {};
  /** CPU time (all threads of this process) per generated token: less sensitive than wall time to other processes' load. */
  const cpuPerToken: Record<string, number[]> = {};
  const tokens: Record<string, number> = {};
  for (const fn of Object.values(modes)) await fn(); // warm-up: load contexts and adapters, first decodes
  for (let r = 0; r < repeats; r++) {
    for (const [name, fn] of Object.entries(modes)) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const n = await fn();
      const s = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      (rates[name] ??= []).push(n / s);
      (cpuPerToken[name] ??= []).push((c.user + c.system) / 1000 / n);
      tokens[name] = n;
    }
  }
  console.log(
    `model ${modelPath} (${a.model ? "given" : `${a.shape} random: ${shape.nLayer} layers, ${shape.nEmbd} wide`}), ${llama.gpu || "cpu"}, threads ${threads}`,
  );
  console.log(
    `B=${B} sequences, prompt ${prompt.length} tokens, up to ${T} new tokens each, temperature ${sampling.temperature}, top-p ${sampling.topP}, ${repeats} repeats (median)`,
  );
  for (const name of Object.keys(modes)) {
    console.log(
      `${name.padEnd(44)} ${median(rates[name]!).toFixed(1).padStart(9)} tokens/s  ${median(cpuPerToken[name]!).toFixed(2).padStart(7)} CPU-ms/token  (${tokens[name]} tokens)`,
    );
  }
  const engine = median(rates["(a) engine batched"]!);
  const low = median(rates["(c) lowest-level batched decode"]!);
  const serial = median(rates["(b) node-llama-cpp one at a time"]!);
  console.log(`engine/(b) serial speed-up: ${(engine / serial).toFixed(2)}`);
  const dName = `(d) engine, requests over ${K} LoRAs (${K} contexts)`;
  if (rates[dName]) {
    const d = median(rates[dName]!);
    const e = median(rates["(e) engine, one LoRA shared (1 context)"]!);
    console.log(`${K} LoRA contexts / one shared LoRA context: ${(d / e).toFixed(2)}`);
  }
  // Wall-clock rates swing with other processes' load on a shared machine; CPU per token does much less.
  const cpuRatio = median(cpuPerToken["(c) lowest-level batched decode"]!) / median(cpuPerToken["(a) engine batched"]!);
  console.log(`engine/(c) CPU-per-token efficiency: ${cpuRatio.toFixed(3)}`);
  console.log(`engine/(c) tokens/s ratio: ${(engine / low).toFixed(3)}`);
  await backend.close();
  await publicApi.close();
  await llama.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
