import { describe, expect, it } from "vitest";
import { renderChat, tokenizeChat } from "../../../src/models/tiny/chat.js";
import { detokenize, tokenize, VOCAB, VOCAB_SIZE } from "../../../src/models/tiny/tokenizer.js";

describe("tiny tokenizer (TypeScript side)", () => {
  it("has one token per printable ASCII character, byte fallback and the chat control tokens", () => {
    expect(VOCAB_SIZE).toBe(5 + 256 + 95);
    expect(new Set(VOCAB.tokens).size).toBe(VOCAB_SIZE);
    expect(tokenize("7*8=56")).toHaveLength(6);
    expect(tokenize("a b")).toEqual([VOCAB.ids.get("a"), VOCAB.ids.get("\u2581"), VOCAB.ids.get("b")]);
    expect(tokenize("\n")).toEqual([VOCAB.byteBase + 10]);
    expect(tokenize("é")).toEqual([VOCAB.byteBase + 0xc3, VOCAB.byteBase + 0xa9]);
  });

  it("parses control tokens only when asked", () => {
    expect(tokenize("<|im_end|>x", { special: true })).toEqual([VOCAB.imEnd, VOCAB.ids.get("x")]);
    expect(tokenize("<|im_end|>")).toHaveLength(10);
    expect(detokenize([VOCAB.imEnd, VOCAB.ids.get("x")!])).toBe("x");
    expect(detokenize([VOCAB.imEnd], { special: true })).toBe("<|im_end|>");
  });

  it("round-trips arbitrary text", () => {
    for (const t of ["What is 3+4*5? Answer in \\boxed{}.", "x\ty\r\nz", "ünïcödé ✓ 🙂", " lead and trail "])
      expect(detokenize(tokenize(t))).toBe(t);
  });

  it("tokenizes a chat with loss only on assistant replies and their <|im_end|>", () => {
    const msgs = [
      { role: "user" as const, content: "1+1?" },
      { role: "assistant" as const, content: "\\boxed{2}" },
    ];
    const { tokens, lossMask } = tokenizeChat(msgs);
    expect(tokens).toEqual(tokenize(renderChat(msgs), { special: true }));
    expect(
      detokenize(
        tokens.filter((_, i) => lossMask[i]),
        { special: true },
      ),
    ).toBe("\\boxed{2}<|im_end|>");
  });
});
