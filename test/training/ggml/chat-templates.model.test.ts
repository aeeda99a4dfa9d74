/**
 * Golden tests of the model's own chat template: for real templates (ChatML, Qwen2.5, Qwen3, Llama 3, 3.1, 3.2,
 * Mistral, Phi-3, Gemma 2) on random-weight models carrying them, the trainer's tokens and loss mask are what
 * the template gives when rendered by an independent Jinja engine (llama.cpp's own, as llama-server renders)
 * and tokenized as llama.cpp tokenizes a rendered prompt (special tokens parsed); the loss covers each trained
 * reply from the end of its generation prompt through the end-of-generation token that closes it; and the
 * prompt the inference backend feeds the model before each reply is exactly the trainer's tokens before it.
 * Chats a template rewrites (the prompt or the reply of a trained turn not a prefix of the whole) are refused.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaBackend } from "../../../src/backends/llama/backend.js";
import { ModelChatTemplate } from "../../../src/backends/llama/chat-template.js";
import { chatWrapperFor } from "../../../src/backends/llama/chat-wrapper.js";
import type { ChatMessage } from "../../../src/chat.js";
import { ChatRenderer } from "../../../src/training/ggml/data/chat.js";
import { nativeJinja, templateText, writeTemplateModel, type TemplateModelSpec } from "../../fixtures/template-model.js";

const dir = mkdtempSync(join(tmpdir(), "society-templates-"));
const DATE = "2025-01-02";
let llama: Llama;
let backend: LlamaBackend;

beforeAll(async () => {
  llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
  backend = await LlamaBackend.create({ gpu: false, threads: 1, contextSize: 1024, parallel: 1, chatTemplate: { date: DATE } });
});
afterAll(async () => {
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

const CHATML = ["<|im_start|>", "<|im_end|>"];
const LLAMA3 = [
  "<|begin_of_text|>",
  "<|end_of_text|>",
  "<|start_header_id|>",
  "<|end_header_id|>",
  "<|eot_id|>",
  "<|eom_id|>",
  "<|python_tag|>",
];
const MERGES = [
  "the",
  " the",
  "an",
  " an",
  "er",
  "in",
  "ing",
  "is",
  " is",
  "\n\n",
  "?\n",
  ":\n",
  "user",
  "assistant",
  "model",
  "system",
  "ab",
  " a",
  "[INST",
  "INST]",
  "] ",
];

interface Case {
  file: string;
  model: Omit<TemplateModelSpec, "template">;
  /** The template accepts system messages (else it raises on them). */
  system: "yes" | "raises" | "dropped";
  /** Roles must alternate user/assistant (two user messages in a row raise). */
  alternates: boolean;
  /** Template variables both engines get. */
  vars?: Record<string, unknown>;
  /** Variables only the reference gets (what the product derives itself, e.g. its pinned date). */
  refVars?: Record<string, unknown>;
}

const CASES: Record<string, Case> = {
  ChatML: {
    file: "teknium-OpenHermes-2.5-Mistral-7B.jinja",
    model: { control: CHATML, bos: "<s>", eos: "<|im_end|>" },
    system: "yes",
    alternates: false,
  },
  "Qwen2.5": {
    file: "Qwen-Qwen2.5-7B-Instruct.jinja",
    model: { control: [...CHATML, "<|endoftext|>"], userDefined: ["<tool_call>", "</tool_call>"], bos: "<|endoftext|>", eos: "<|im_end|>" },
    system: "yes",
    alternates: false,
  },
  Qwen3: {
    file: "Qwen-Qwen3-0.6B.jinja",
    model: {
      control: [...CHATML, "<|endoftext|>"],
      userDefined: ["<think>", "</think>", "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"],
      bos: "<|endoftext|>",
      eos: "<|im_end|>",
    },
    system: "yes",
    alternates: false,
  },
  "Qwen3 (enable_thinking: false)": {
    file: "Qwen-Qwen3-0.6B.jinja",
    model: { control: [...CHATML, "<|endoftext|>"], userDefined: ["<think>", "</think>"], bos: "<|endoftext|>", eos: "<|im_end|>" },
    system: "yes",
    alternates: false,
    vars: { enable_thinking: false },
  },
  "Llama-3": {
    file: "meta-llama-Meta-Llama-3-8B-Instruct.jinja",
    model: { control: LLAMA3, bos: "<|begin_of_text|>", eos: "<|end_of_text|>", eot: "<|eot_id|>" },
    system: "yes",
    alternates: false,
  },
  "Llama-3.1 (3.3's file)": {
    file: "meta-llama-Llama-3.3-70B-Instruct.jinja",
    model: { control: LLAMA3, bos: "<|begin_of_text|>", eos: "<|eot_id|>", eot: "<|eot_id|>" },
    system: "yes",
    alternates: false,
  },
  "Llama-3.2": {
    file: "meta-llama-Llama-3.2-3B-Instruct.jinja",
    model: { control: LLAMA3, bos: "<|begin_of_text|>", eos: "<|eot_id|>", eot: "<|eot_id|>" },
    // llama.cpp's engine has a strftime_now of its own (the clock); the product pins the run's day instead.
    system: "yes",
    alternates: false,
    refVars: { date_string: "02 Jan 2025" },
  },
  "Mistral v0.2": {
    file: "mistralai-Mistral-7B-Instruct-v0.2.jinja",
    model: { control: [], bos: "<s>", eos: "</s>" },
    system: "raises",
    alternates: true,
  },
  "Mistral Nemo": {
    file: "mistralai-Mistral-Nemo-Instruct-2407.jinja",
    model: { control: ["[INST]", "[/INST]"], bos: "<s>", eos: "</s>" },
    system: "yes",
    alternates: true,
  },
  "Phi-3-mini": {
    file: "microsoft-Phi-3-mini-4k-instruct.jinja",
    model: {
      control: ["<|user|>", "<|assistant|>", "<|system|>", "<|end|>", "<|endoftext|>"],
      bos: "<s>",
      eos: "<|endoftext|>",
      eot: "<|end|>",
    },
    system: "dropped",
    alternates: false,
  },
  "Phi-3.5-mini": {
    file: "microsoft-Phi-3.5-mini-instruct.jinja",
    model: {
      control: ["<|user|>", "<|assistant|>", "<|system|>", "<|end|>", "<|endoftext|>"],
      bos: "<s>",
      eos: "<|endoftext|>",
      eot: "<|end|>",
    },
    system: "yes",
    alternates: false,
  },
  "Gemma-2": {
    file: "google-gemma-2-2b-it.jinja",
    model: { control: ["<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>"], bos: "<bos>", eos: "<eos>", eot: "<end_of_turn>" },
    system: "raises",
    alternates: true,
  },
};

const u = (content: string): ChatMessage => ({ role: "user", content });
const a = (content: string, weight?: 0): ChatMessage => ({ role: "assistant", content, ...(weight === 0 ? { weight } : {}) });
const sys = (content: string): ChatMessage => ({ role: "system", content });

/** Chats every case renders (alternating, no system message), then the ones some templates refuse. */
const COMMON: Record<string, ChatMessage[]> = {
  "one turn": [u("What is 2+2?"), a("4")],
  "merging words": [u("the answer is in the ring?"), a("the answer is abc")],
  "whitespace at the edges": [u("  spaced out \n"), a("  an answer with spaces  \n")],
  "earlier reply as context": [u("first?"), a("one", 0), u("second?"), a("two")],
  "long, earlier replies as context": [u("q1"), a("a1", 0), u("q2"), a("a2", 0), u("q3"), a("a3", 0), u("q4"), a("the end")],
  "a control-free text with specials-like brackets": [u("is [x] < y?"), a("yes: [x] < y")],
};
const WITH_SYSTEM: ChatMessage[] = [sys("Be brief."), u("What is 2+2?"), a("4")];
const TWO_USERS: ChatMessage[] = [u("one"), u("two"), a("three")];
const ALL_TRAINED: ChatMessage[] = [u("q1"), a("a1"), u("q2"), a("a2")];
const THINKING: ChatMessage[] = [u("Why?"), a("<think>\nbecause\n</think>\n\nIt is so.")];

interface Reference {
  tokens: Token[];
  mask: number[];
  /** Tokens of each assistant turn's generation prompt (the turn's index → tokens). */
  prompts: Map<number, Token[]>;
  /** Where each turn's loss starts: its prompt's length, or one less where the tokenizer merges across the cut. */
  starts: Map<number, number>;
  /** Set when the template rewrites a trained turn (the trainer must refuse the chat). */
  rewrites?: string;
}

function lcp(a: readonly Token[], b: readonly Token[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** The reference: llama.cpp's Jinja rendering, tokenized with special tokens parsed; masks from the renderings. */
function reference(model: LlamaModel, render: (v: Record<string, unknown>) => string, c: Case, messages: ChatMessage[]): Reference {
  const vars = { ...c.vars, ...c.refVars, bos_token: model.tokens.bosString, eos_token: model.tokens.eosString };
  const msgs = (k: number) => messages.slice(0, k).map((m) => ({ role: m.role, content: m.content }));
  const fullText = render({ ...vars, messages: msgs(messages.length), add_generation_prompt: false });
  const all = model.tokenize(fullText, true);
  const mask = new Array<number>(all.length).fill(0);
  const prompts = new Map<number, Token[]>();
  const starts = new Map<number, number>();
  let end = all.length;
  let rewrites: string | undefined;
  messages.forEach((m, i) => {
    if (m.role !== "assistant") return;
    const promptText = render({ ...vars, messages: msgs(i), add_generation_prompt: true });
    const prompt = model.tokenize(promptText, true);
    prompts.set(i, prompt);
    const trained = m.weight !== 0;
    if (!fullText.startsWith(promptText)) {
      if (trained) rewrites ??= `turn ${i}: prompt`;
      return;
    }
    // Where the template's text runs on from the prompt into the reply (Mistral v0.2's "[/INST] " is plain
    // text), the tokenizer may merge across the cut: the reply's loss starts at the first token that differs,
    // which is at most the prompt's last token (a shifted turn would differ by many).
    const start = lcp(prompt, all);
    expect(
      prompt.length - start,
      `turn ${i}: the prompt's tokens are a prefix of the chat's but for a merge at the cut`,
    ).toBeLessThanOrEqual(1);
    // The turn as the last message must render as it does inside the whole chat, up to its end of turn.
    const asLast = render({ ...vars, messages: msgs(i + 1), add_generation_prompt: false });
    const lastTokens = model.tokenize(asLast, true);
    starts.set(i, start);
    let k = start;
    while (k < all.length && !model.isEogToken(all[k])) k++;
    const turn = all.slice(start, k + 1);
    if (JSON.stringify(lastTokens.slice(start, start + turn.length)) !== JSON.stringify(turn)) {
      if (trained) rewrites ??= `turn ${i}: reply`;
      return;
    }
    if (trained) for (let t = Math.max(start, 1); t <= k && t < all.length; t++) mask[t] = 1;
    if (i === messages.length - 1) end = Math.min(k + 1, all.length);
  });
  return { tokens: all.slice(0, end), mask: mask.slice(0, end), prompts, starts, rewrites };
}

describe.each(Object.entries(CASES))("the model's own chat template: %s", (label, c) => {
  let model: LlamaModel;
  let path: string;
  let render: (v: Record<string, unknown>) => string;
  let r: ChatRenderer;
  let caseBackend: LlamaBackend;

  beforeAll(async () => {
    const template = templateText(c.file);
    path = writeTemplateModel(join(dir, `${label.replace(/\W+/g, "_")}.gguf`), { ...c.model, template, merges: MERGES });
    model = await llama.loadModel({ modelPath: path, vocabOnly: true });
    render = nativeJinja(llama, template);
    r = new ChatRenderer(model, undefined, { date: DATE, variables: c.vars as Record<string, boolean> });
    // Inference gets the same template variables as the trainer (a run passes both the same config).
    caseBackend = c.vars
      ? await LlamaBackend.create({
          gpu: false,
          threads: 1,
          contextSize: 1024,
          parallel: 1,
          chatTemplate: { date: DATE, variables: c.vars as Record<string, boolean> },
        })
      : backend;
  });
  afterAll(async () => {
    await model?.dispose();
    if (caseBackend !== backend) await caseBackend?.close();
  });

  const chats: Array<[string, ChatMessage[]]> = [
    ...Object.entries(COMMON),
    ["system message", WITH_SYSTEM],
    ["two user messages", TWO_USERS],
    ["every reply trained", ALL_TRAINED],
    ["reasoning in the reply", THINKING],
  ];

  it("renders through the model's template (not a look-alike wrapper)", () => {
    expect(r.description).toContain("the model's tokenizer.chat_template");
    expect(r.description).toContain(DATE);
  });

  it.each(chats)(
    "%s: tokens and loss mask equal the Jinja rendering; inference prompts equal the trainer's prefixes",
    async (name, messages) => {
      const refuses = (name === "system message" && c.system === "raises") || (name === "two user messages" && c.alternates);
      if (refuses) {
        expect(
          () => render({ messages, add_generation_prompt: false, bos_token: "", eos_token: "" }),
          "the reference engine refuses it too",
        ).toThrow();
        expect(() => r.render({ messages })).toThrow(/chat template refuses this chat/);
        return;
      }
      const ref = reference(model, render, c, messages);
      if (ref.rewrites) {
        expect(() => r.render({ messages }), `${ref.rewrites} is rewritten by the template`).toThrow(/chat template renders/);
        return;
      }
      const got = r.render({ messages });
      // The product's own engine renders the same text as llama.cpp's.
      const ours = (
        chatWrapperFor(model, { date: DATE, variables: c.vars as Record<string, boolean> }).wrapper as ModelChatTemplate
      ).renderText(messages, false);
      expect(ours).toBe(
        render({
          ...c.vars,
          ...c.refVars,
          messages,
          add_generation_prompt: false,
          bos_token: model.tokens.bosString,
          eos_token: model.tokens.eosString,
        }),
      );
      expect(model.detokenize(got.tokens as Token[], true)).toBe(model.detokenize(ref.tokens, true));
      expect(got.tokens, "tokens").toEqual(ref.tokens);
      expect(got.lossMask, "loss mask").toEqual(ref.mask);
      expect(got.lossMask.some((m) => m === 1)).toBe(true);
      for (const [i, prompt] of ref.prompts) {
        const served = await caseBackend.promptTokens({ base: path }, messages.slice(0, i));
        expect(served, `inference prompt before message ${i}`).toEqual(prompt);
        const start = ref.starts.get(i)!;
        if (messages[i]!.weight !== 0)
          expect(got.tokens.slice(0, start), `trainer prefix before message ${i}`).toEqual(prompt.slice(0, start));
      }
    },
  );
});

/** `use` with a vocab-only model of the case `name`'s template (without its merges), disposed after. */
async function withCaseModel(name: string, use: (model: LlamaModel) => Promise<void> | void): Promise<void> {
  const c = CASES[name]!;
  const path = writeTemplateModel(join(dir, `${name.replace(/\W+/g, "_")}-details.gguf`), { ...c.model, template: templateText(c.file) });
  const model = await llama.loadModel({ modelPath: path, vocabOnly: true });
  try {
    await use(model);
  } finally {
    await model.dispose();
  }
}

describe("the model's own chat template: details", () => {
  it("keeps a control-token spelling inside content as text (it does not end the turn), unlike the raw rendering", async () => {
    await withCaseModel("ChatML", (model) => {
      const r = new ChatRenderer(model, undefined, { date: DATE });
      const got = r.render({ messages: [u("say <|im_end|> now"), a("ok")] });
      const imEnd = model.tokenize("<|im_end|>", true);
      expect(imEnd).toHaveLength(1);
      const count = got.tokens.filter((t) => t === imEnd[0]).length;
      expect(count, "two turns, two <|im_end|> tokens: the user's text is not one").toBe(2);
      expect(model.detokenize(got.tokens as Token[], true)).toContain("say <|im_end|> now");
    });
  });

  it("pins strftime_now to the configured day (Llama 3.2 writes it into every prompt)", async () => {
    await withCaseModel("Llama-3.2", (model) => {
      const text = (d: string) => model.detokenize(new ChatRenderer(model, undefined, { date: d }).promptTokens([u("hi")]), true);
      expect(text("2025-01-02")).toContain("Today Date: 02 Jan 2025\n");
      expect(text("2031-11-30")).toContain("Today Date: 30 Nov 2031\n");
      expect(() => new ChatRenderer(model, undefined, { date: "yesterday" })).toThrow(/YYYY-MM-DD/);
    });
  });
});
