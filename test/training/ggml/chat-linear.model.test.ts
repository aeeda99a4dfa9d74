/**
 * The linear ChatRenderer gives exactly the tokens and loss mask of the quadratic definition
 * (chat-reference.ts) on multi-turn chats — system turns, consecutive users and assistants, weight-0
 * replies, empty and space-led contents, repeated turns — over node-llama-cpp's chat wrappers and a Jinja
 * template, with a tokenizer that merges across template/content boundaries; and it does take the
 * windowed path (not the full-render fallback) for them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AlpacaChatWrapper,
  ChatMLChatWrapper,
  FalconChatWrapper,
  GemmaChatWrapper,
  GeneralChatWrapper,
  getLlama,
  JinjaTemplateChatWrapper,
  Llama2ChatWrapper,
  Llama3_1ChatWrapper,
  Llama3ChatWrapper,
  LlamaLogLevel,
  MistralChatWrapper,
  QwenChatWrapper,
  type ChatWrapper,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gguf } from "../../../src/models/gguf-writer.js";
import { createRandomLlamaGguf } from "../../../src/models/llama-gguf.js";
import { createXoshiro128Rng } from "../../../src/util/rng.js";
import { fnvSplitmixSeedV1 } from "../../../src/util/seed.js";
import { CHAT_TEMPLATE, VOCAB } from "../../../src/models/tiny/tokenizer.js";
import { ChatRenderer } from "../../../src/training/ggml/data/chat.js";
import type { ChatExample } from "../../../src/training/types.js";
import { renderQuadratic } from "./chat-reference.js";

const dir = mkdtempSync(join(tmpdir(), "society-chat-linear-"));
let model: LlamaModel;

beforeAll(async () => {
  // Our character vocabulary plus multi-character pieces, so tokens merge across template and content text.
  const extra = [
    "▁the",
    "in",
    "ing",
    "[INST]",
    "▁[",
    "INST",
    "]▁",
    "an",
    "▁an",
    "er",
    "▁answer",
    "\n\n",
    "ab",
    "▁a",
    "is",
    "▁is",
    "?\n",
    ":\n",
    "▁user",
    "ser",
    "model",
  ];
  const path = join(dir, "merge.gguf");
  createRandomLlamaGguf({
    path,
    nLayer: 1,
    nEmbd: 32,
    nHead: 2,
    nFf: 64,
    ctx: 4096,
    seed: 1,
    metadata: {
      "tokenizer.ggml.tokens": gguf.strings([...VOCAB.tokens, ...extra]),
      "tokenizer.ggml.scores": gguf.f32s([...VOCAB.scores, ...extra.map((t) => t.length)]),
      "tokenizer.ggml.token_type": gguf.i32s([...VOCAB.types, ...extra.map(() => 1)]),
      "llama.vocab_size": gguf.u32(VOCAB.tokens.length + extra.length),
    },
  });
  model = await (await getLlama({ gpu: false, logLevel: LlamaLogLevel.error })).loadModel({ modelPath: path, vocabOnly: true });
});
afterAll(async () => {
  await model?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

// A template that branches on the position of each message (loop.last, loop.first), as real ones do.
const JINJA =
  "{{ bos_token }}{% for m in messages %}{% if loop.first and m['role'] != 'system' %}<|im_start|>system\nYou help.<|im_end|>\n{% endif %}" +
  "<|im_start|>{{ m['role'] }}\n{{ m['content'] }}{% if not loop.last or m['role'] != 'assistant' %}<|im_end|>\n{% endif %}{% endfor %}" +
  "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

/**
 * [name, wrapper, windowed turns]: templates of plain text only (no special tokens) cannot be windowed and
 * render in full; Mistral's moves a system message into the last user turn (not local), so chats with one
 * render in full.
 */
const wrappers: Array<[string, () => ChatWrapper, "most" | "some" | "none"]> = [
  ["ChatML", () => new ChatMLChatWrapper(), "most"],
  ["Llama3", () => new Llama3ChatWrapper(), "most"],
  ["Llama3.1", () => new Llama3_1ChatWrapper({ todayDate: new Date("2025-01-02T00:00:00Z") }), "most"],
  ["Llama2", () => new Llama2ChatWrapper(), "most"],
  ["Mistral", () => new MistralChatWrapper(), "some"],
  ["Gemma", () => new GemmaChatWrapper(), "most"],
  ["Qwen", () => new QwenChatWrapper(), "most"],
  ["Jinja", () => new JinjaTemplateChatWrapper({ template: JINJA }), "most"],
  ["Jinja (tiny model's)", () => new JinjaTemplateChatWrapper({ template: CHAT_TEMPLATE }), "most"],
  ["General", () => new GeneralChatWrapper(), "none"],
  ["Alpaca", () => new AlpacaChatWrapper(), "none"],
  ["Falcon", () => new FalconChatWrapper(), "none"],
];

const WORDS = ["the", "answer", "is", "abc", " a", "in", "sing", "[INST]", "?", "\n\n", "7", "ü", "  lead", "user:", "", "model"];

/** A seeded conversation: `turns` exchanges with the odd system message, double turns, weight 0, empty texts. */
function conversation(seed: number, turns: number): ChatExample {
  const rng = createXoshiro128Rng(fnvSplitmixSeedV1(seed, "chat-linear"));
  const text = () =>
    Array.from({ length: 1 + Math.floor(rng.next() * 6) }, () => WORDS[Math.floor(rng.next() * WORDS.length)]).join(
      rng.next() < 0.3 ? "" : " ",
    );
  const messages: ChatExample["messages"] = [];
  if (rng.next() < 0.5) messages.push({ role: "system", content: text() });
  for (let t = 0; t < turns; t++) {
    const r = rng.next();
    if (r < 0.08) messages.push({ role: "system", content: text() });
    messages.push({ role: "user", content: text() });
    if (r > 0.9) messages.push({ role: "user", content: text() });
    messages.push({ role: "assistant", content: text(), ...(rng.next() < 0.15 ? { weight: 0 } : {}) });
    if (r > 0.85 && r < 0.9) messages.push({ role: "assistant", content: text() });
  }
  if (rng.next() < 0.3) messages.push({ role: "user", content: text() });
  return { messages };
}

const repeated: ChatExample = {
  messages: Array.from(
    { length: 20 },
    (_, i) => ({ role: i % 2 ? "assistant" : "user", content: i % 2 ? "the answer is 7" : "is it?" }) as const,
  ),
};

describe("ChatRenderer renders in linear time exactly what the quadratic definition gives", () => {
  it.each(wrappers)("%s", (name, make, windowed) => {
    const r = new ChatRenderer(model, make());
    const endOfTurn = (r as unknown as { endOfTurn: Token[] }).endOfTurn;
    const examples = [...Array.from({ length: 12 }, (_, s) => conversation(s, 2 + (s % 5) * 3)), repeated, conversation(99, 40)];
    let trained = 0;
    let refused = 0;
    for (const [n, ex] of examples.entries()) {
      let want;
      try {
        want = renderQuadratic(model, make(), endOfTurn, ex);
      } catch {
        // A template that refuses this chat (e.g. a system message mid-way), or that rewrites the history of a
        // trained turn, must refuse it here too.
        expect(() => r.render(ex), `example ${n}`).toThrow();
        refused++;
        continue;
      }
      const got = r.render(ex);
      expect(got.tokens, `example ${n} tokens`).toEqual(want.tokens);
      expect(got.lossMask, `example ${n} loss mask`).toEqual(want.lossMask);
      if (got.lossMask.some((m) => m === 1)) trained++;
    }
    // Mistral's template moves a system message into the last user turn: every prefix renders differently from
    // the whole, so chats with one are refused (they used to train on nothing, silently).
    if (name === "Mistral") expect(refused, "Mistral chats with a system message are refused").toBeGreaterThan(0);
    expect(trained, "examples with a trained token").toBeGreaterThan((examples.length - refused) / 2);
    expect(trained).toBeGreaterThan(0);
    // Most turns took the windowed path (the first of each chat is always rendered in full).
    if (windowed === "most") expect(r.stats.windowedTurns, JSON.stringify(r.stats)).toBeGreaterThan(2 * r.stats.fullTurns);
    else if (windowed === "some") expect(r.stats.windowedTurns).toBeGreaterThan(0);
    else expect(r.stats.windowedTurns).toBe(0);
  });
});
