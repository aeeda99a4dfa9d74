import { describe, expect, it } from "vitest";
import { FakeBackend } from "../../src/backends/fake.js";
import { LangchainBackend, parseProviderModel } from "../../src/backends/langchain/backend.js";
import { RouterBackend } from "../../src/backends/router.js";
import { isUserError } from "../../src/errors.js";

const opts = { temperature: 1, topP: 1, maxTokens: 8, seed: 1 };
const chat = [{ role: "user" as const, content: "hi" }];

describe("RouterBackend", () => {
  it("sends each model to the backend its route names (without the route), the rest to the default; closes each once", async () => {
    const local = new FakeBackend({ replies: ["local"] });
    const remote = new FakeBackend({ replies: ["remote"] });
    const r = new RouterBackend(
      local,
      new Map([
        ["serve", remote],
        ["serve-again", remote],
      ]),
    );
    expect((await r.generate({ base: "a.gguf" }, chat, opts)).text).toBe("local");
    expect((await r.generate({ base: "society", backend: "serve" }, chat, opts)).text).toBe("remote");
    await r.score({ base: "society", backend: "serve-again" }, chat, "x");
    expect(remote.generated[0]!.model).toEqual({ base: "society" });
    expect(remote.scored[0]!.model).toEqual({ base: "society" });
    await expect(r.generate({ base: "m", backend: "nowhere" }, chat, opts)).rejects.toThrow(
      /route "nowhere", which this run does not have \(routes: serve, serve-again\)/,
    );
    await r.close();
    expect([local.closed, remote.closed]).toEqual([true, true]);
  });
});

describe("LangchainBackend", () => {
  it("names models provider:model; a provider package that is not installed is a user error naming it", async () => {
    expect(parseProviderModel({ base: "anthropic:claude-3-5-haiku-latest" })).toEqual({
      provider: "anthropic",
      model: "claude-3-5-haiku-latest",
    });
    expect(() => parseProviderModel({ base: "claude" })).toThrow(/name it "provider:model"/);
    expect(() => parseProviderModel({ base: "openai:x", adapter: "a.gguf" })).toThrow(/cannot apply the local LoRA adapter/);
    const b = new LangchainBackend();
    const err = await b.generate({ base: "anthropic:claude-3-5-haiku-latest" }, chat, opts).catch((e) => e);
    expect(isUserError(err)).toBe(true);
    expect(String(err.message)).toMatch(/provider package @langchain\/anthropic is not installed \(npm install @langchain\/anthropic\)/);
    const unknown = await b.generate({ base: "no-such-provider:m" }, chat, opts).catch((e) => e);
    expect(isUserError(unknown)).toBe(true);
    await expect(b.score({ base: "openai:gpt-4o-mini" })).rejects.toThrow(/cannot score a given completion/);
  });
});
