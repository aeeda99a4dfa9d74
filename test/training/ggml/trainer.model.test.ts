import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, type LlamaModel, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { ChatRenderer } from "../../../src/training/ggml/data/chat.js";
import { ggmlTrainer } from "../../../src/training/ggml/index.js";
import { openGguf } from "../../../src/training/ggml/gguf/read.js";
import type { ChatExample, TrainRequest } from "../../../src/training/types.js";
import { loraRequest } from "../../support/ggml-trainer-requests.js";
import { writeHostileGguf } from "../../support/hostile-gguf.js";
import { writeTinyModel } from "../fixtures/tiny-model.js";

const dir = mkdtempSync(join(tmpdir(), "society-trainer-"));
const base = join(dir, "base.gguf");
const ANSWER = "Paris, of course.";
const questions = ["What is the capital?", "Name the capital.", "Capital city?", "Which city is the capital?"];
const examples: ChatExample[] = questions.map((q) => ({
  messages: [
    { role: "user", content: q },
    { role: "assistant", content: ANSWER },
  ],
}));

beforeAll(async () => {
  await writeTinyModel(base, { nLayer: 2, nEmbd: 64, nHead: 4, nHeadKv: 2, seed: 21 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const req = (over: Partial<TrainRequest>) =>
  loraRequest({ dir, base }, { examples, optim: { lr: 1e-2, epochs: 40, batchSize: 4, schedule: "constant" } }, over);

/** `use` with the model at `modelPath` loaded in node-llama-cpp, disposed after. */
async function withLlamaModel<T>(modelPath: string, use: (model: LlamaModel) => Promise<T>): Promise<T> {
  const model = await (await getLlama()).loadModel({ modelPath });
  try {
    return await use(model);
  } finally {
    await model.dispose();
  }
}

/** Greedy continuation of the chat prompt for `question`, until EOS or 40 tokens. */
async function answer(model: LlamaModel, question: string, lora?: string): Promise<string> {
  const ctx = await model.createContext({ contextSize: 256, threads: 1, ...(lora ? { lora: { adapters: [{ filePath: lora }] } } : {}) });
  try {
    const prompt = new ChatRenderer(model).promptTokens([{ role: "user", content: question }]);
    const out: Token[] = [];
    for await (const t of ctx.getSequence().evaluate(prompt, { temperature: 0 })) {
      if (t === model.tokens.eos || out.length >= 40) break;
      out.push(t);
    }
    return model.detokenize(out);
  } finally {
    await ctx.dispose();
  }
}

/** What the model at `modelPath` answers the first question greedily: alone, then with `adapter`. */
const baseAndAdaptedAnswers = (modelPath: string, adapter: string): Promise<[string, string]> =>
  withLlamaModel(modelPath, async (model) => [await answer(model, questions[0]), await answer(model, questions[0], adapter)]);

describe("ggmlTrainer, LoRA", () => {
  it("learns a fixed answer; node-llama-cpp loads the adapter and greedily generates it", async () => {
    const progress: number[] = [];
    const res = await ggmlTrainer.train(req({ outPath: join(dir, "fixed.gguf"), onProgress: (p) => progress.push(p.step) }));
    const first = res.lossCurve[0].loss;
    const last = res.lossCurve[res.lossCurve.length - 1].loss;
    console.log(
      `[trainer lora] loss ${first.toFixed(3)} → ${last.toFixed(3)} in ${res.steps} steps, ${Math.round(res.tokensPerSecond)} tokens/s`,
    );
    expect(res.steps).toBe(40);
    expect(progress).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(last).toBeLessThan(first / 10);
    expect(res.sha256).toMatch(/^[0-9a-f]{64}$/);
    const f = openGguf(res.outPath);
    expect([f.get("general.type"), f.get("general.architecture"), f.get("adapter.type"), f.get("adapter.lora.alpha")]).toEqual([
      "adapter",
      "llama",
      "lora",
      16,
    ]);
    expect(f.tensors.find((t) => t.name === "blk.0.attn_k.weight.lora_a")?.ne.slice(0, 2)).toEqual([64, 8]);
    expect(f.tensors.find((t) => t.name === "blk.0.attn_k.weight.lora_b")?.ne.slice(0, 2)).toEqual([8, 32]);
    f.close();

    const [untrained, trained] = await baseAndAdaptedAnswers(base, res.outPath);
    expect(untrained).not.toBe(ANSWER);
    expect(trained).toBe(ANSWER);
  });

  it("phi3: the default targets adapt the fused attn_qkv and gate+up ffn_up; llama.cpp loads the adapter and generates the answer", async () => {
    const phi3 = join(dir, "phi3.gguf");
    await writeTinyModel(phi3, { arch: "phi3", nLayer: 2, nEmbd: 64, nHead: 4, nHeadKv: 2, seed: 21 });
    const res = await ggmlTrainer.train(req({ baseModelPath: phi3, outPath: join(dir, "phi3-lora.gguf") }));
    expect(res.lossCurve[res.lossCurve.length - 1]!.loss).toBeLessThan(res.lossCurve[0]!.loss / 10);
    const f = openGguf(res.outPath);
    const names = f.tensors.map((t) => t.name);
    f.close();
    expect(names).toContain("blk.0.attn_qkv.weight.lora_a");
    expect(names).toContain("blk.1.ffn_up.weight.lora_b");
    expect(names.filter((n) => /attn_[qkv]\.|ffn_gate/.test(n))).toEqual([]);
    expect(names).toHaveLength(2 * 2 * 4); // 2 layers × {attn_qkv, attn_output, ffn_up, ffn_down} × {a, b}
    const [untrained, trained] = await baseAndAdaptedAnswers(phi3, res.outPath);
    expect(untrained).not.toBe(ANSWER);
    expect(trained).toBe(ANSWER);
  });

  it("gemma2 (tied output, soft-caps): a trained adapter loads in llama.cpp and generates the answer", async () => {
    const gemma = join(dir, "gemma2.gguf");
    await writeTinyModel(gemma, { arch: "gemma2", nLayer: 2, nEmbd: 64, nHead: 4, nHeadKv: 2, tiedOutput: true, seed: 21 });
    const res = await ggmlTrainer.train(req({ baseModelPath: gemma, outPath: join(dir, "gemma2-lora.gguf") }));
    expect(res.lossCurve[res.lossCurve.length - 1]!.loss).toBeLessThan(res.lossCurve[0]!.loss / 10);
    const [untrained, trained] = await baseAndAdaptedAnswers(gemma, res.outPath);
    expect(untrained).not.toBe(ANSWER);
    // The byte vocabulary has no <end_of_turn> token: node-llama-cpp's Gemma wrapper (this GGUF has no template)
    // writes it as text, which the reply learned too; this greedy loop stops at EOS only.
    expect(trained.split("<end_of_turn>")[0]).toBe(ANSWER);
  });

  it("trains over a quantized (Q8_0) base with a warning that its gradients are approximate", async () => {
    const q8 = join(dir, "base-q8.gguf");
    await writeTinyModel(q8, { nLayer: 2, nEmbd: 64, nHead: 4, nHeadKv: 2, seed: 21, weightType: "q8_0" });
    const res = await ggmlTrainer.train(
      req({ baseModelPath: q8, outPath: join(dir, "q8-lora.gguf"), optim: { lr: 1e-2, epochs: 15, batchSize: 4 } }),
    );
    expect(res.warnings.join("\n")).toMatch(/quantized tensors: LoRA gradients through them are approximate/);
    expect(res.lossCurve[res.lossCurve.length - 1].loss).toBeLessThan(res.lossCurve[0].loss / 4);
    expect(await withLlamaModel(q8, (model) => answer(model, questions[0], res.outPath))).toBe(ANSWER);
    await expect(ggmlTrainer.train(req({ baseModelPath: q8, mode: "full" }))).rejects.toThrow(/quantized.*full training needs/);
  });

  it("is reproducible: same seed, same adapter bytes (dropout on)", async () => {
    const r = (name: string) =>
      ggmlTrainer.train(
        req({ outPath: join(dir, name), lora: { rank: 4, alpha: 8, dropout: 0.1 }, optim: { lr: 5e-3, epochs: 3, batchSize: 2 } }),
      );
    const [a, b] = [await r("rep-a.gguf"), await r("rep-b.gguf")];
    expect(a.sha256).toBe(b.sha256);
    const c = await ggmlTrainer.train(
      req({
        outPath: join(dir, "rep-c.gguf"),
        seed: 2,
        lora: { rank: 4, alpha: 8, dropout: 0.1 },
        optim: { lr: 5e-3, epochs: 3, batchSize: 2 },
      }),
    );
    expect(c.sha256).not.toBe(a.sha256);
  });

  it("accumulates gradients: 2 micro-batches of 1 row step like 1 micro-batch of 2 rows", async () => {
    const uneven: ChatExample[] = ["a", "bb bb", "ccc ccc ccc", "dddd"].map((q, i) => ({
      messages: [
        { role: "user", content: q },
        { role: "assistant", content: `answer number ${i}${".".repeat(i * 3)}` },
      ],
    }));
    const run = (batchSize: number, gradAccum: number) =>
      ggmlTrainer.train(
        req({
          examples: uneven,
          pack: false,
          outPath: join(dir, `acc-${batchSize}x${gradAccum}.gguf`),
          optim: { lr: 5e-3, epochs: 2, batchSize, gradAccum },
        }),
      );
    const a = await run(2, 1);
    const b = await run(1, 2);
    expect(b.steps).toBe(a.steps);
    a.lossCurve.forEach((p, i) => expect(b.lossCurve[i].loss).toBeCloseTo(p.loss, 4));
  });

  it("continues from an existing adapter", async () => {
    const first = await ggmlTrainer.train(
      req({ outPath: join(dir, "cont-1.gguf"), optim: { lr: 1e-2, epochs: 10, batchSize: 4, schedule: "constant" } }),
    );
    const again = await ggmlTrainer.train(
      req({ outPath: join(dir, "cont-2.gguf"), initAdapterPath: first.outPath, optim: { lr: 1e-3, epochs: 1, batchSize: 4 } }),
    );
    const firstEnd = first.lossCurve[first.lossCurve.length - 1].loss;
    expect(again.lossCurve[0].loss).toBeLessThan(first.lossCurve[0].loss / 3);
    expect(Math.abs(again.lossCurve[0].loss - firstEnd)).toBeLessThan(0.5 * firstEnd + 0.05);
  });

  it("validates, stops early on a rising validation loss and keeps the best weights", async () => {
    const many: ChatExample[] = Array.from({ length: 12 }, (_, i) => ({
      messages: [
        { role: "user", content: `item ${i}` },
        { role: "assistant", content: `value ${(i * 7919) % 1000}` },
      ],
    }));
    const res = await ggmlTrainer.train(
      req({
        examples: many,
        outPath: join(dir, "es.gguf"),
        valFraction: 0.25,
        earlyStopPatience: 2,
        evalEvery: 1,
        optim: { lr: 3e-2, epochs: 30, batchSize: 3, schedule: "constant" },
      }),
    );
    const vals = res.lossCurve.filter((p) => p.valLoss !== undefined).map((p) => p.valLoss!);
    expect(vals.length).toBe(res.steps);
    expect(res.bestValLoss).toBe(Math.min(...vals));
    expect(res.stoppedEarly).toBe(true);
    expect(res.steps).toBeLessThan(30 * 3);
    // The saved adapter holds the best weights: continuing it (same split, a negligible step) starts there.
    const again = await ggmlTrainer.train(
      req({
        examples: many,
        outPath: join(dir, "es-2.gguf"),
        valFraction: 0.25,
        evalEvery: 1,
        initAdapterPath: res.outPath,
        optim: { lr: 1e-9, epochs: 1, batchSize: 3, maxSteps: 1 },
      }),
    );
    expect(Math.abs(again.lossCurve[0].valLoss! - res.bestValLoss!)).toBeLessThan(1e-4);
  });

  it("stops on abort without writing anything", async () => {
    const ac = new AbortController();
    const out = join(dir, "aborted.gguf");
    await expect(
      ggmlTrainer.train(req({ outPath: out, signal: ac.signal, onProgress: (p) => p.step === 3 && ac.abort() })),
    ).rejects.toThrow(/abort/i);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes(".tmp-"))).toEqual([]);
  });

  it.each<[string, Partial<TrainRequest>, RegExp]>([
    ["missing model", { baseModelPath: join(dir, "nope.gguf") }, /^train: base model: .*nope\.gguf: GGUF file not found$/],
    [
      "hostile model",
      { baseModelPath: writeHostileGguf(join(dir, "hostile.gguf")) },
      /^train: base model: .*hostile\.gguf: tensor count is 9223372036854775808/,
    ],
    ["non-GGUF adapter", { initAdapterPath: join(import.meta.dirname, "trainer.model.test.ts") }, /^train: adapter: .*: not a GGUF file/],
    ["bad lr", { optim: { lr: 0 } }, /optim\.lr/],
    ["bad target", { lora: { targets: ["attn_x"] } }, /unknown LoRA target "attn_x"/],
    ["no data", { examples: [] }, /no training examples/],
    ["both data kinds", { sequences: [{ tokens: [1, 2], lossMask: [0, 1] }] }, /exactly one of examples or sequences/],
    [
      "token outside the vocabulary",
      { examples: undefined, sequences: [{ tokens: [1, 99999], lossMask: [0, 1] }] },
      /outside the vocabulary/,
    ],
  ])("rejects a bad request with a UserError: %s", async (_, over, re) => {
    const p = ggmlTrainer.train(req(over));
    await expect(p).rejects.toThrow(UserError);
    await expect(ggmlTrainer.train(req(over))).rejects.toThrow(re);
  });
});

describe("ggmlTrainer, full mode", () => {
  it("pretrains every weight on token sequences and writes a complete GGUF node-llama-cpp runs", async () => {
    const text = [1, ...Array.from("the quick brown fox jumps over the lazy dog. ", (c) => 3 + c.charCodeAt(0))];
    const sequences = Array.from({ length: 6 }, () => ({ tokens: text, lossMask: text.map(() => 1) }));
    const res = await ggmlTrainer.train(
      req({
        examples: undefined,
        sequences,
        mode: "full",
        outPath: join(dir, "full.gguf"),
        optim: { lr: 1e-2, epochs: 25, batchSize: 3, warmupSteps: 5, weightDecay: 0.01 },
      }),
    );
    const first = res.lossCurve[0].loss;
    const last = res.lossCurve[res.lossCurve.length - 1].loss;
    console.log(`[trainer full] loss ${first.toFixed(3)} → ${last.toFixed(3)} in ${res.steps} steps`);
    expect(last).toBeLessThan(first / 5);
    const f = openGguf(res.outPath);
    const b = openGguf(base);
    expect(f.get("tokenizer.ggml.tokens")).toEqual(b.get("tokenizer.ggml.tokens"));
    expect(f.tensors.map((t) => [t.name, t.type])).toEqual(b.tensors.map((t) => [t.name, t.type]));
    f.close();
    b.close();
    await withLlamaModel(res.outPath, async (model) => {
      const ctx = await model.createContext({ contextSize: 128, threads: 1 });
      const out: number[] = [];
      for await (const t of ctx.getSequence().evaluate(text.slice(0, 10) as Token[], { temperature: 0 })) {
        out.push(t);
        if (out.length >= 12) break;
      }
      expect(out).toEqual(text.slice(10, 22));
      await ctx.dispose();
    });
  });

  it("trains an F16 base in F32 and saves it back in F16", async () => {
    const f16 = join(dir, "base-f16.gguf");
    await writeTinyModel(f16, { weightType: "f16", seed: 22 });
    const res = await ggmlTrainer.train(
      req({ baseModelPath: f16, mode: "full", outPath: join(dir, "full-f16.gguf"), optim: { lr: 1e-3, epochs: 2, batchSize: 2 } }),
    );
    const f = openGguf(res.outPath);
    const b = openGguf(f16);
    try {
      expect(f.tensors.map((t) => [t.name, t.type])).toEqual(b.tensors.map((t) => [t.name, t.type]));
      expect(f.tensors.some((t) => t.type === 1)).toBe(true);
      expect(f.get("general.file_type")).toBe(1);
    } finally {
      f.close();
      b.close();
    }
    await withLlamaModel(res.outPath, async () => {}); // node-llama-cpp loads it
  });
});
