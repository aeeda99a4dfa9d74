import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LlamaBackend } from "../../src/backends/llama/backend.js";
import { generatorChat } from "../../src/protocols/debate/prompts.js";
import { createShapedLlamaGguf, llama3RopeFactors, LLAMA_SIZES } from "../../src/models/shaped-model.js";
import { openGguf } from "../../src/training/ggml/gguf/read.js";
import { trainGgml } from "../../src/training/ggml/index.js";

const dir = mkdtempSync(join(tmpdir(), "society-shaped-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("random-weight models of real shapes", () => {
  it("the 1b preset is Llama-3.2-1B: its published parameter count, and llama3 RoPE factors", () => {
    const s = LLAMA_SIZES["1b"]!;
    const kv = (s.nEmbd / s.nHead) * s.nHeadKv;
    const norms = (2 * s.nLayer + 1) * s.nEmbd;
    const params = s.nVocab * s.nEmbd + s.nLayer * (2 * s.nEmbd * s.nEmbd + 2 * s.nEmbd * kv + 3 * s.nEmbd * s.nFf) + norms;
    expect(s.tiedOutput).toBe(true);
    expect(params).toBe(1_235_814_400); // model card / safetensors total of meta-llama/Llama-3.2-1B
    // llama.cpp's llama3 factors for Llama 3.2: 1 for high frequencies, 32 for low, smooth between.
    const f = llama3RopeFactors(64, 500000, s.llama3Rope!);
    expect(f[0]).toBe(1);
    expect(f[31]).toBe(32);
    expect(f.filter((x) => x > 1 && x < 32).length).toBeGreaterThan(0);
  });

  it("tiny shape: loads in llama.cpp; scripted replies are the prefix then the text; the trainer trains on it", async () => {
    const path = join(dir, "tiny.gguf");
    createShapedLlamaGguf({ path, size: LLAMA_SIZES.tiny!, seed: 1, script: { reply: "\\boxed{7}", prefix: 20 } });
    const f = openGguf(path);
    expect(f.get("llama.vocab_size")).toBe(4096);
    expect((f.get("tokenizer.ggml.tokens") as string[]).length).toBe(4096);
    expect(f.tensors.find((t) => t.name === "blk.0.attn_k.weight")?.ne.slice(0, 2)).toEqual([128, 64]);
    expect(f.tensors.some((t) => t.name === "rope_freqs.weight")).toBe(true);
    f.close();
    const backend = await LlamaBackend.create({ gpu: false, threads: 1, parallel: 2, contextSize: 256 });
    try {
      const chat = generatorChat({ task: "arithmetic", vars: { question: "1+2" } });
      for (const seed of [1, 2]) {
        const g = await backend.generate({ base: path }, chat, { temperature: 1, topP: 0.9, maxTokens: 64, seed });
        expect(g.text).toBe("\\boxed{7}");
        expect(g.completionTokens).toBe(29);
      }
    } finally {
      await backend.close();
    }
    const warnings: string[] = [];
    const res = await trainGgml({
      baseModelPath: path,
      mode: "lora",
      outPath: join(dir, "a.gguf"),
      seed: 1,
      threads: 1,
      optim: { maxSteps: 1 },
      examples: [
        {
          messages: [
            { role: "user", content: "1+2" },
            { role: "assistant", content: "\\boxed{7}" },
          ],
        },
      ],
      onLog: (m) => m.startsWith("warning") && warnings.push(m),
    });
    expect(res.steps).toBe(1);
    expect(warnings).toEqual([]);
  });
});
