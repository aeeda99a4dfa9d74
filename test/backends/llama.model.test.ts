import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaBackend } from "../../src/backends/llama/backend.js";
import type { ChatMessage, GenerateOptions } from "../../src/backends/types.js";
import { isUserError } from "../../src/errors.js";
import { ensureTestModel, TEST_MODEL_SHAPE } from "../../src/models/test-model.js";
import { writeHostileGguf } from "../support/hostile-gguf.js";
import { scriptedAnswer } from "../support/scripted-servers.js";
import { writeRandomLora } from "./random-lora.js";

const chat: ChatMessage[] = [{ role: "user", content: "What is 2+3? Answer in \\boxed{}." }];
const sampling: GenerateOptions = { temperature: 1, topP: 0.9, maxTokens: 24, seed: 11 };

const dir = mkdtempSync(join(tmpdir(), "society-llama-"));
const seven = scriptedAnswer(dir, 7);
const lora = writeRandomLora({ path: join(dir, "lora.gguf"), nLayer: TEST_MODEL_SHAPE.nLayer, nEmbd: TEST_MODEL_SHAPE.nEmbd, seed: 3 });
let random: string;
let backend: LlamaBackend;

beforeAll(async () => {
  random = await ensureTestModel();
  backend = await LlamaBackend.create({ gpu: false, threads: 1, parallel: 4, contextSize: 512 });
});

afterAll(async () => {
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("llama backend: generate", () => {
  it("reproduces a reply from its seed, alone or batched with other requests", async () => {
    const alone = await backend.generate({ base: random }, chat, sampling);
    const [batched, other] = await Promise.all([
      backend.generate({ base: random }, chat, sampling),
      backend.generate({ base: random }, chat, { ...sampling, seed: 12 }),
      backend.generate({ base: random }, [{ role: "user", content: "a different and much longer prompt, to share the batch" }], sampling),
    ]);
    expect(batched!.text).toBe(alone.text);
    expect(other!.text).not.toBe(alone.text);
    expect(alone.completionTokens).toBe(24);
    expect(alone.finishReason).toBe("length");
    expect(alone.promptTokens).toBeGreaterThan(chat[0]!.content.length); // one character per token, plus the ChatML frame
  });

  it("queues more requests than slots, and agrees with node-llama-cpp's public sequence API", async () => {
    const seeds = Array.from({ length: 10 }, (_, i) => 100 + i); // 10 requests on 4 slots
    const batched = await Promise.all(seeds.map((seed) => backend.generate({ base: random }, chat, { ...sampling, seed })));
    const viaPublic = await LlamaBackend.create({ gpu: false, threads: 1, parallel: 2, contextSize: 512, publicApiOnly: true });
    try {
      const reference = await Promise.all(seeds.map((seed) => viaPublic.generate({ base: random }, chat, { ...sampling, seed })));
      expect(batched.map((g) => g.text)).toEqual(reference.map((g) => g.text));
      expect(batched.map((g) => g.completionTokens)).toEqual(reference.map((g) => g.completionTokens));
    } finally {
      await viaPublic.close();
    }
    expect(new Set(batched.map((g) => g.text)).size).toBe(10);
  });

  it("stops at the end-of-turn token and at stop strings", async () => {
    const greedy = { temperature: 0, topP: 1, maxTokens: 40, seed: 0 };
    const full = await backend.generate({ base: seven }, chat, greedy);
    expect(full).toMatchObject({ text: "\\boxed{7}", finishReason: "stop", completionTokens: 9 });
    const cut = await backend.generate({ base: seven }, chat, { ...greedy, stop: ["{"] });
    expect(cut.text).toBe("\\boxed");
    expect(cut.finishReason).toBe("stop");
    const short = await backend.generate({ base: seven }, chat, { ...greedy, maxTokens: 3 });
    expect(short).toMatchObject({ text: "\\bo", finishReason: "length", completionTokens: 3 });
  });

  it("streams the reply token by token through onText, never sending what a stop string will cut", async () => {
    const greedy = { temperature: 0, topP: 1, maxTokens: 40, seed: 0 };
    const viaPublic = await LlamaBackend.create({ gpu: false, threads: 1, parallel: 1, contextSize: 512, publicApiOnly: true });
    try {
      for (const b of [backend, viaPublic]) {
        const all: string[] = [];
        const whole = await b.generate({ base: seven }, chat, { ...greedy, onText: (d) => all.push(d) });
        expect(all).toEqual([..."\\boxed{7}"]); // one delta per (one-character) token
        const cut: string[] = [];
        const g = await b.generate({ base: seven }, chat, { ...greedy, stop: ["ed{"], onText: (d) => cut.push(d) });
        expect(g.text).toBe("\\box");
        expect(cut).toEqual([..."\\box"]); // "e" and "ed" were held back, then cut
        expect(whole.text).toBe(all.join(""));
      }
    } finally {
      await viaPublic.close();
    }
  });

  it("applies a LoRA adapter in its own context and leaves the base untouched", async () => {
    const base1 = await backend.generate({ base: random }, chat, sampling);
    const adapted = await backend.generate({ base: random, adapter: lora }, chat, sampling);
    const base2 = await backend.generate({ base: random }, chat, sampling);
    expect(adapted.text).not.toBe(base1.text);
    expect(base2.text).toBe(base1.text);
    expect(backend.loaded().contexts).toEqual(expect.arrayContaining([random, `${random}+${lora}`]));
    const s0 = await backend.score({ base: random }, chat, "\\boxed{5}");
    const s1 = await backend.score({ base: random, adapter: lora }, chat, "\\boxed{5}");
    expect(s1.logprob).not.toBeCloseTo(s0.logprob, 3);
  });

  it("names a missing model file, and a prompt that does not fit, as user errors", async () => {
    const e1 = await backend.generate({ base: join(dir, "nope.gguf") }, chat, sampling).catch((e) => e);
    expect(isUserError(e1) && e1.message).toMatch(/^model: .*nope\.gguf: GGUF file not found$/);
    // A hostile header (2^63 tensors in 24 bytes) made node-llama-cpp's parser loop, allocating without end.
    const hostile = writeHostileGguf(join(dir, "hostile.gguf"));
    const e3 = await backend.generate({ base: hostile }, chat, sampling).catch((e) => e);
    expect(isUserError(e3) && e3.message).toMatch(/^model: .*hostile\.gguf: tensor count is 9223372036854775808, more than/);
    const e4 = await backend.generate({ base: random, adapter: hostile }, chat, sampling).catch((e) => e);
    expect(isUserError(e4) && e4.message).toMatch(/^LoRA adapter: .*hostile\.gguf: tensor count/);
    const e2 = await backend.generate({ base: random }, [{ role: "user", content: "x".repeat(600) }], sampling).catch((e) => e);
    expect(isUserError(e2) && e2.message).toMatch(/does not fit the context size 512/);
  });
});

describe("llama backend: score", () => {
  it("equals the sum of the completion tokens' log-softmax probabilities", async () => {
    const completion = "The sum is \\boxed{5}.";
    const got = await backend.scoreDetailed({ base: random }, chat, completion);

    // Reference: feed the tokens one position at a time, take raw logits and do the log-softmax here.
    const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error, maxThreads: 1 });
    const model = await llama.loadModel({ modelPath: random });
    const ctx = await model.createContext({ contextSize: 512, flashAttention: false });
    const seq = ctx.getSequence();
    const { renderPromptTokens } = await import("../../src/backends/llama/chat.js");
    const { resolveChatWrapper } = await import("node-llama-cpp");
    const prompt = renderPromptTokens(model, resolveChatWrapper(model), chat).tokens;
    const target = model.tokenize(completion, false);
    const feed: Token[] = [...prompt, ...target];
    const res = await seq.controlledEvaluate(
      feed.map((t, i) => (i >= prompt.length - 1 && i < feed.length - 1 ? [t, { generateNext: { logits: true } }] : t)),
    );
    let ref = 0;
    for (let j = 0; j < target.length; j++) {
      const logits = res[prompt.length - 1 + j]!.next!.logits!;
      const values = [...logits.values()];
      const max = Math.max(...values);
      const lse = max + Math.log(values.reduce((s, v) => s + Math.exp(v - max), 0));
      ref += logits.get(target[j]!)! - lse;
    }
    await llama.dispose();

    expect(got.tokens).toBe(target.length);
    expect(got.perToken.map((t) => t.text).join("")).toBe(completion);
    expect(got.logprob).toBeLessThan(0);
    expect(Math.abs(got.logprob - ref)).toBeLessThan(1e-3 * Math.abs(ref));
    expect((await backend.score({ base: random }, chat, completion)).logprob).toBe(got.logprob);
  });

  it("lists the most likely tokens at each position when asked", async () => {
    const s = await backend.scoreDetailed({ base: random }, chat, "\\boxed{5}", { top: 3 });
    for (const t of s.perToken) {
      expect(t.top).toHaveLength(3);
      const lps = t.top!.map((x) => x.logprob);
      expect([...lps].sort((a, b) => b - a)).toEqual(lps);
      expect(lps[0]).toBeGreaterThanOrEqual(t.logprob);
      const self = t.top!.find((x) => x.token === t.token);
      if (self) expect(self.logprob).toBe(t.logprob);
      expect(lps.reduce((a, b) => a + Math.exp(b), 0)).toBeLessThanOrEqual(1 + 1e-9);
    }
    const seven7 = await backend.scoreDetailed({ base: seven }, chat, "\\boxed{7}", { top: 1 });
    expect(seven7.perToken.map((t) => t.top![0]!.text).join("")).toBe("\\boxed{7}"); // greedy reply = argmax at each step
    expect((await backend.scoreDetailed({ base: random }, chat, "x")).perToken[0]!.top).toBeUndefined();
  });

  it("scores more than one chunk of positions and an empty completion", async () => {
    const long = "0123456789".repeat(8); // 80 tokens: three internal chunks
    const s = await backend.score({ base: random }, chat, long);
    expect(s.tokens).toBe(80);
    expect(Number.isFinite(s.logprob)).toBe(true);
    expect(await backend.score({ base: random }, chat, "")).toEqual({ logprob: 0, tokens: 0 });
  });
});
