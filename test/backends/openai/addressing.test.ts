import { describe, expect, it } from "vitest";
import { EndpointAddresser, matchServed } from "../../../src/backends/openai/addressing.js";
import { isUserError } from "../../../src/errors.js";

const boom = () => "ambiguous";

describe("matchServed", () => {
  const served = [
    { name: 0, path: "/srv/runs/r1/models/multiagent-ft/generator0-it1.gguf" },
    { name: 1, path: "/srv/runs/r1/models/single-agent-ft/generator0-it1.gguf" },
    { name: 2, path: "/srv/runs/r1/models/multiagent-ft/critic0-it1.gguf" },
  ];
  it("matches by the longest common path tail, across mount points", () => {
    expect(matchServed("/home/me/runs/r1/models/single-agent-ft/generator0-it1.gguf", served, boom)).toBe(1);
    expect(matchServed("/mnt/x/critic0-it1.gguf", served, boom)).toBe(2);
  });
  it("refuses a tie instead of guessing", () => {
    expect(() => matchServed("/elsewhere/generator0-it1.gguf", served, boom)).toThrow(/ambiguous: 0 .*1 /);
  });
  it("falls back to an id equal to the string, and is undefined when nothing matches", () => {
    expect(matchServed("gpt-x", [{ name: "gpt-x" }], boom)).toBe("gpt-x");
    expect(matchServed("/a/b/unknown.gguf", served, boom)).toBeUndefined();
  });
});

describe("EndpointAddresser", () => {
  it("lora: adapter → llama-server id in the request's lora list; base → empty list; re-lists once on a miss", async () => {
    let calls = 0;
    const lists = [
      [{ id: 0, path: "/m/a.gguf", scale: 0 }],
      [
        { id: 0, path: "/m/a.gguf", scale: 0 },
        { id: 1, path: "/m/b.gguf", scale: 0 },
      ],
    ];
    const urls: string[] = [];
    const a = new EndpointAddresser("http://h:8080/v1", "lora", async (u) => (urls.push(u), lists[Math.min(calls++, 1)]));
    expect(await a.address({ base: "/x/base.gguf", adapter: "/y/a.gguf" })).toEqual({
      model: "base.gguf",
      extra: { lora: [{ id: 0, scale: 1 }] },
    });
    expect(await a.address({ base: "/x/base.gguf" })).toEqual({ model: "base.gguf", extra: { lora: [] } });
    expect(await a.address({ base: "/x/base.gguf", adapter: "/y/b.gguf" })).toEqual({
      model: "base.gguf",
      extra: { lora: [{ id: 1, scale: 1 }] },
    });
    expect(urls[0]).toBe("http://h:8080/lora-adapters");
    const err = await a.address({ base: "/x/base.gguf", adapter: "/y/c.gguf" }).catch((e) => e);
    expect(isUserError(err)).toBe(true);
    expect(err.message).toMatch(/does not serve the adapter \/y\/c.gguf .*GET \/lora-adapters: 0 \(\/m\/a.gguf\), 1 \(\/m\/b.gguf\)/);
  });
  it("model: the served id whose root is the file (vLLM, society serve)", async () => {
    const a = new EndpointAddresser("http://h/v1", "model", async () => ({
      data: [
        { id: "base", root: "/w/tiny.gguf" },
        { id: "multiagent-ft/generator0/it1", root: "/w/runs/r/g0.gguf" },
      ],
    }));
    expect(await a.address({ base: "/local/tiny.gguf" })).toEqual({ model: "base" });
    expect(await a.address({ base: "/local/tiny.gguf", adapter: "/local/runs/r/g0.gguf" })).toEqual({
      model: "multiagent-ft/generator0/it1",
    });
  });
  it("none: remote ids as given; a local adapter is a UserError naming the endpoint", async () => {
    const a = new EndpointAddresser("http://h/v1", "none", async () => {
      throw new Error("not called");
    });
    expect(await a.address({ base: "gpt-4o-mini" })).toEqual({ model: "gpt-4o-mini" });
    await expect(a.address({ base: "b", adapter: "/a.gguf" })).rejects.toThrow(/http:\/\/h\/v1 serves remote model ids.*adapters: lora/);
  });
});
