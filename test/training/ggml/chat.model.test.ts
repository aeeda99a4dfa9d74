import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, type LlamaModel, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatRenderer } from "../../../src/training/ggml/data/chat.js";
import { writeTinyModel } from "../fixtures/tiny-model.js";

const dir = mkdtempSync(join(tmpdir(), "society-chat-"));
let model: LlamaModel;

beforeAll(async () => {
  const path = join(dir, "m.gguf");
  await writeTinyModel(path, { seed: 2 });
  model = await (await getLlama()).loadModel({ modelPath: path, vocabOnly: true });
});
afterAll(async () => {
  await model?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** The rendered text with the trained tokens in [brackets]. */
function show(r: ChatRenderer, messages: Parameters<ChatRenderer["render"]>[0]["messages"]): string {
  const s = r.render({ messages });
  let out = "";
  let open = false;
  s.tokens.forEach((t, i) => {
    if (s.lossMask[i] && !open) out += "[";
    if (!s.lossMask[i] && open) out += "]";
    open = s.lossMask[i] === 1;
    out += model.detokenize([t as Token], true);
  });
  return out + (open ? "]" : "");
}

describe("ChatRenderer (node-llama-cpp chat wrapper + tokenizer)", () => {
  it("trains on assistant replies and their end-of-turn token only", () => {
    const r = new ChatRenderer(model);
    expect(r.wrapperName).toBe("Llama2Chat");
    const text = show(r, [
      { role: "system", content: "Be brief." },
      { role: "user", content: "2+2?" },
      { role: "assistant", content: "4" },
      { role: "user", content: "3+3?" },
      { role: "assistant", content: "six" },
    ]);
    expect(text).toBe("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n2+2? [/INST] [4</s>]<s>[INST] 3+3? [/INST] [six</s>]");
  });

  it("keeps weight-0 assistant messages as context only", () => {
    const r = new ChatRenderer(model);
    const text = show(r, [
      { role: "user", content: "a" },
      { role: "assistant", content: "b", weight: 0 },
      { role: "user", content: "c" },
      { role: "assistant", content: "d" },
    ]);
    expect(text).toBe("<s>[INST] a [/INST] b</s><s>[INST] c [/INST] [d</s>]");
  });

  it("renders the generation prompt as the prefix of a training example", () => {
    const r = new ChatRenderer(model);
    const prompt = r.promptTokens([{ role: "user", content: "hi" }]);
    const full = r.render({
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: "yo" },
      ],
    });
    expect(full.tokens.slice(0, prompt.length)).toEqual(prompt);
    expect(full.lossMask.slice(0, prompt.length).every((m) => m === 0)).toBe(true);
    expect(full.lossMask.slice(prompt.length).every((m) => m === 1)).toBe(true);
  });
});
