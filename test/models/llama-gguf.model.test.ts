import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  getLlama,
  LlamaChatSession,
  LlamaCompletion,
  readGgufFileInfo,
  resolveChatWrapper,
  type Llama,
  type LlamaModel,
} from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countParams, createRandomLlamaGguf, resolveHparams } from "../../src/models/llama-gguf.js";
import { createScriptedLlamaGguf } from "../../src/models/scripted-model.js";
import { ensureTestModel, TEST_MODEL_SHAPE } from "../../src/models/test-model.js";
import { renderChat } from "../../src/models/tiny/chat.js";
import { detokenize, tokenize, VOCAB } from "../../src/models/tiny/tokenizer.js";

const dir = mkdtempSync(join(tmpdir(), "llama-gguf-"));
const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");
const shape = { nLayer: 2, nEmbd: 32, nHead: 4, nHeadKv: 2, nFf: 64, ctx: 128 };

let llama: Llama;
let model: LlamaModel;
beforeAll(async () => {
  llama = await getLlama({ gpu: false, logLevel: "error" as any });
  model = await llama.loadModel({ modelPath: await ensureTestModel({ dir }) });
});
afterAll(async () => {
  await model?.dispose();
  await llama?.dispose();
});

describe("createRandomLlamaGguf", () => {
  it("is deterministic per seed and different across seeds", () => {
    const a = sha(createRandomLlamaGguf({ ...shape, path: join(dir, "a.gguf"), seed: 5 }));
    const b = sha(createRandomLlamaGguf({ ...shape, path: join(dir, "b.gguf"), seed: 5 }));
    const c = sha(createRandomLlamaGguf({ ...shape, path: join(dir, "c.gguf"), seed: 6 }));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it("writes the llama hyperparameters and tensors llama.cpp expects (GQA included)", async () => {
    const info = await readGgufFileInfo(join(dir, "a.gguf"), { logWarnings: false });
    const md = info.metadata as any;
    expect(md.llama).toMatchObject({
      block_count: 2,
      embedding_length: 32,
      feed_forward_length: 64,
      context_length: 128,
      attention: { head_count: 4, head_count_kv: 2 },
      rope: { dimension_count: 8 },
    });
    expect(md.tokenizer.ggml.model).toBe("llama");
    const k = info.tensorInfo!.find((t) => t.name === "blk.1.attn_k.weight")!;
    expect(k.dimensions).toEqual([32, 16]);
    const n = info.tensorInfo!.reduce((s, t) => s + t.dimensions.reduce((x: number, y) => x * Number(y), 1), 0);
    expect(n).toBe(countParams(resolveHparams(shape)));
    const gqa = await llama.loadModel({ modelPath: join(dir, "a.gguf") });
    expect(gqa.tokenize("12+3")).toHaveLength(4);
    await gqa.dispose();
  });

  it("ensureTestModel caches by options and is fast", async () => {
    const t0 = performance.now();
    const p = await ensureTestModel({ dir, seed: 3 });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(await ensureTestModel({ dir, seed: 3 })).toBe(p);
    expect(await ensureTestModel({ dir, seed: 4 })).not.toBe(p);
    expect(TEST_MODEL_SHAPE.ctx).toBeGreaterThanOrEqual(512);
  });
});

describe("tokenizer in llama.cpp", () => {
  const texts = [
    "What is 3+4*5+6-7*8? Answer in \\boxed{}.",
    "4*5=20\n7*8=56\n3+20=23\n23+6=29\n29-56=-27\n\\boxed{-27}",
    "Other agents said:\n- \\boxed{12}\n- \\boxed{-3}\nCheck and give an updated answer in \\boxed{}.",
    "  two  spaces, tabs\tand ünïcödé ✓",
  ];
  it("tokenizes one printable character per token, exactly like our TypeScript tokenizer, and round-trips", () => {
    for (const t of texts) {
      const ids = Array.from(model.tokenize(t));
      expect(ids).toEqual(tokenize(t));
      expect(model.detokenize(ids)).toBe(t);
    }
    const ascii = texts[1]!;
    expect(model.tokenize(ascii).length).toBe(ascii.length);
  });

  it("parses chat control tokens with specialTokens, and BOS/EOS/EOT ids are set", () => {
    const chat = renderChat([{ role: "user", content: "What is 1+2?" }], { addGenerationPrompt: true });
    expect(Array.from(model.tokenize(chat, true))).toEqual(tokenize(chat, { special: true }));
    expect(model.tokens.bos).toBe(VOCAB.bos);
    expect(model.tokens.eos).toBe(VOCAB.eos);
    expect(model.tokens.eot).toBe(VOCAB.imEnd);
    expect(model.isEogToken(VOCAB.imEnd as any)).toBe(true);
    expect(detokenize(tokenize(chat, { special: true }), { special: true })).toBe(chat);
  });
});

describe("chat template", () => {
  it("resolves to node-llama-cpp's ChatML wrapper, whose context text is our renderChat", () => {
    const wrapper = resolveChatWrapper(model);
    expect(wrapper.wrapperName).toBe("ChatML");
    const { contextText } = wrapper.generateContextState({
      chatHistory: [
        { type: "user", text: "What is 1+2?" },
        { type: "model", response: [] },
      ],
    });
    const ids = Array.from(contextText.tokenize(model.tokenizer));
    expect(ids).toEqual(
      tokenize(renderChat([{ role: "user", content: "What is 1+2?" }], { addGenerationPrompt: true }), { special: true }),
    );
  });

  it("the random model generates text", async () => {
    const ctx = await model.createContext({ threads: 1, contextSize: 256 });
    const completion = new LlamaCompletion({ contextSequence: ctx.getSequence() });
    const out = await completion.generateCompletion("What is", { maxTokens: 8, temperature: 0 });
    expect(out.length).toBeGreaterThan(0);
    await ctx.dispose();
  });

  it("generation stops at <|im_end|> (scripted model)", async () => {
    const m = await llama.loadModel({ modelPath: createScriptedLlamaGguf({ path: join(dir, "scripted.gguf"), reply: "\\boxed{7}" }) });
    const ctx = await m.createContext({ threads: 1, contextSize: 256, sequences: 2 });
    const session = new LlamaChatSession({ contextSequence: ctx.getSequence(), systemPrompt: "" });
    expect(await session.prompt("What is 3+4?", { maxTokens: 40, temperature: 0 })).toBe("\\boxed{7}");
    // Raw completion (no chat wrapper) also ends at the end-of-generation token.
    const completion = new LlamaCompletion({ contextSequence: ctx.getSequence() });
    const raw = await completion.generateCompletion(renderChat([{ role: "user", content: "hi" }], { addGenerationPrompt: true }), {
      maxTokens: 40,
      temperature: 0,
    });
    expect(raw).toBe("\\boxed{7}");
    await ctx.dispose();
    await m.dispose();
  });
});
