import { describe, expect, it } from "vitest";
import { FakeBackend } from "../../src/backends/fake.js";

const opts = { temperature: 1, topP: 1, maxTokens: 8, seed: 1 };
const chat = [{ role: "user" as const, content: "What is 1+1?" }];

describe("FakeBackend", () => {
  it("replies from its list in call order, cycling, and records each call", async () => {
    const b = new FakeBackend({ replies: ["one", "two"] });
    const texts = [];
    for (let i = 0; i < 3; i++) texts.push((await b.generate({ base: "m" }, chat, opts)).text);
    expect(texts).toEqual(["one", "two", "one"]);
    expect(b.generated.map((g) => g.text)).toEqual(texts);
  });

  it("replies by a function of the request, cut at a stop string or at maxTokens as a real backend", async () => {
    const b = new FakeBackend({
      reply: ({ model, opts: o }) => `${model.adapter ?? model.base} seed ${o.seed} END and more words here than fit`,
    });
    const stopped = await b.generate({ base: "m", adapter: "a" }, chat, { ...opts, stop: ["END"] });
    expect(stopped).toMatchObject({ text: "a seed 1 ", completionTokens: 3, finishReason: "stop" });
    const long = await b.generate({ base: "m" }, chat, { ...opts, seed: 2 });
    expect(long).toMatchObject({ text: "m seed 2 END and more words here", completionTokens: 8, finishReason: "length" });
    let streamed = "";
    await b.generate({ base: "m" }, chat, { ...opts, onText: (d) => (streamed += d) });
    expect(streamed).toBe(b.generated.at(-1)!.text);
  });

  it("scores deterministically, differently per model, in proportion to the tokens", async () => {
    const b = new FakeBackend({ replies: ["x"] });
    const s1 = await b.score({ base: "m" }, chat, "two words");
    expect(await b.score({ base: "m" }, chat, "two words")).toEqual(s1);
    expect(s1.tokens).toBe(2);
    expect(s1.logprob / s1.tokens).toBeLessThanOrEqual(-0.5);
    expect(s1.logprob / s1.tokens).toBeGreaterThan(-2.5);
    expect((await b.score({ base: "m", adapter: "other" }, chat, "two words")).logprob).not.toBe(s1.logprob);
  });

  it("refuses calls after close", async () => {
    const b = new FakeBackend({ replies: ["x"] });
    await b.close();
    await expect(b.generate({ base: "m" }, chat, opts)).rejects.toThrow(/after close/);
  });
});
