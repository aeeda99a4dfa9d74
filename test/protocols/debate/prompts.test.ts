import { describe, expect, it } from "vitest";
import { criticChat, generatorChat, otherResponses, summarizerChat } from "../../../src/protocols/debate/prompts.js";
import { renderPrompt } from "../../../src/prompts/templates.js";

const src = { task: "default", vars: { question: "What is 2+2?" } };

describe("debate prompts", () => {
  it("round 1 is the generator template", () => {
    expect(generatorChat(src)).toEqual([{ role: "user", content: renderPrompt("default", "generator", src.vars) }]);
    expect(generatorChat(src)[0]!.content).toContain("What is 2+2?");
  });

  it("lists other agents with 1-based numbers through the other-response template", () => {
    const text = otherResponses(src, [
      { n: 0, text: "A" },
      { n: 2, text: "C" },
    ]);
    expect(text).toBe(
      renderPrompt("default", "other-response", { question: "What is 2+2?", index: 1, response: "A" }) +
        renderPrompt("default", "other-response", { question: "What is 2+2?", index: 3, response: "C" }),
    );
  });

  it("a critic continues its own exchange, then reads the others' answers or their summary", () => {
    const prev = { prompt: generatorChat(src), completion: "4, \\boxed{4}" };
    const raw = criticChat(src, prev, { others: [{ n: 1, text: "5" }] });
    expect(raw.slice(0, 2)).toEqual([...prev.prompt, { role: "assistant", content: "4, \\boxed{4}" }].slice(0, 2));
    expect(raw).toHaveLength(3);
    expect(raw[2]!.content).toBe(renderPrompt("default", "critic", { other_responses: otherResponses(src, [{ n: 1, text: "5" }]) }));
    const summarized = criticChat(src, prev, { summary: "they said 5" });
    expect(summarized[2]!.content).toBe(renderPrompt("default", "critic-summary", { summary: "they said 5" }));
  });

  it("the summarizer sees the question and the other answers", () => {
    const [m] = summarizerChat(src, [{ n: 1, text: "five" }]);
    expect(m!.content).toContain("What is 2+2?");
    expect(m!.content).toContain("five");
  });
});
