import { describe, expect, it } from "vitest";
import { renderChat, tokenizeChat } from "../../../src/models/tiny/chat.js";
import { buildCorpus, compactSolution, criticPrompt, wrongSolution, type Operands } from "../../../src/models/tiny/corpus.js";
import { createXoshiro128Rng } from "../../../src/util/rng.js";
import { renderPrompt } from "../../../src/prompts/templates.js";
import { generateArithmetic, splitOfExpression } from "../../../src/tasks/arithmetic.js";
import { extractAnswer } from "../../../src/tasks/extract.js";

const spec = { seed: 7, maxValue: 9, generatorChats: 300, criticChats: 200 };

describe("tiny corpus", () => {
  it("is deterministic per spec and changes with the seed", () => {
    const a = buildCorpus(spec);
    expect(JSON.stringify(buildCorpus(spec))).toBe(JSON.stringify(a));
    expect(JSON.stringify(buildCorpus({ ...spec, seed: 8 }))).not.toBe(JSON.stringify(a));
    expect(a.filter((c) => c.kind === "critic")).toHaveLength(200);
  });

  it("never contains a test-split question (checked against the split hash and a generated test set)", () => {
    const corpus = buildCorpus({ ...spec, generatorChats: 3000, criticChats: 0 });
    const test = new Set(generateArithmetic("test", 0, 2000, 9).map((q) => q.text));
    for (const c of corpus) {
      expect(splitOfExpression(c.question)).toBe("train");
      expect(test.has(c.question)).toBe(false);
    }
  });

  it("uses the debate prompts: generator turn, then a critic turn quoting other agents, ending correct", () => {
    const corpus = buildCorpus(spec);
    for (const c of corpus) {
      expect(c.messages[0]).toEqual({ role: "user", content: renderPrompt("arithmetic", "generator", { question: c.question }) });
      const last = c.messages[c.messages.length - 1]!;
      expect(last.role).toBe("assistant");
      expect(extractAnswer(last.content)).toEqual({ answer: c.gold, status: "boxed" });
      if (c.kind === "critic") {
        expect(c.messages).toHaveLength(4);
        expect(
          c.messages[2]!.content.startsWith(
            renderPrompt("arithmetic", "critic", { question: c.question, other_responses: "" }).split("\n")[0]!,
          ),
        ).toBe(true);
        // A wrong first answer is kept as context but not trained on.
        const first = c.messages[1]!;
        expect(first.weight === 0).toBe(extractAnswer(first.content).answer !== c.gold);
      }
    }
    const quoted = corpus
      .filter((c) => c.kind === "critic")
      .flatMap((c) =>
        c.messages[2]!.content.split("\n- ")
          .slice(1)
          .map((o) => extractAnswer(o).answer === c.gold),
      );
    const rightShare = quoted.filter(Boolean).length / quoted.length;
    expect(rightShare).toBeGreaterThan(0.35);
    expect(rightShare).toBeLessThan(0.65);
  });

  it("quotes others right and wrong, and the wrong ones are wrong", () => {
    const rng = createXoshiro128Rng(1);
    for (const q of generateArithmetic("train", 3, 300, 9)) {
      const o = q.text.match(/\d+/g)!.map(Number) as unknown as Operands;
      expect(extractAnswer(compactSolution(o)).answer).toBe(q.gold);
      expect(extractAnswer(wrongSolution(o, rng)).answer).not.toBe(q.gold);
    }
    expect(criticPrompt(["A", "B"], "1+2*3+4-5*6")).toBe(
      renderPrompt("arithmetic", "critic", { question: "1+2*3+4-5*6", other_responses: "\n- A\n- B" }),
    );
  });

  it("fits in the tokens budget: one token per character of the compact steps", () => {
    const c = buildCorpus({ ...spec, generatorChats: 50, criticChats: 0 })[0]!;
    const { tokens, lossMask } = tokenizeChat(c.messages);
    expect(tokens.length).toBeLessThan(120);
    expect(lossMask.reduce((a, b) => a + b, 0)).toBe(c.messages[1]!.content.length + 1);
    expect(renderChat(c.messages)).toContain("<|im_start|>assistant\n");
  });
});
