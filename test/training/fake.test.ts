import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeTrainer } from "../../src/training/fake.js";

const dir = mkdtempSync(join(tmpdir(), "fake-trainer-"));
const examples = [
  {
    messages: [
      { role: "user" as const, content: "1+1?" },
      { role: "assistant" as const, content: "\\boxed{2}" },
    ],
  },
];
const req = (name: string, over = {}) => ({
  baseModelPath: "base.gguf",
  examples,
  mode: "lora" as const,
  outPath: join(dir, name),
  seed: 7,
  ...over,
});

describe("FakeTrainer", () => {
  it("records the request and writes an artifact whose hash it returns", async () => {
    const t = new FakeTrainer();
    const r = await t.train(req("a.gguf"));
    expect(t.requests).toHaveLength(1);
    expect(r.sha256).toBe(createHash("sha256").update(readFileSync(r.outPath)).digest("hex"));
    expect(JSON.parse(readFileSync(r.outPath, "utf8"))).toMatchObject({
      fake: true,
      mode: "lora",
      base: "base.gguf",
      rows: 1,
      seed: 7,
      initAdapter: null,
    });
  });

  it("gives equal bytes for equal inputs, names a continued adapter by its content, and differs by seed", async () => {
    const t = new FakeTrainer();
    const a = await t.train(req("b1.gguf"));
    const b = await t.train(req("b2.gguf"));
    expect(b.sha256).toBe(a.sha256);
    expect((await t.train(req("b3.gguf", { seed: 8 }))).sha256).not.toBe(a.sha256);
    const cont = await t.train(req("c.gguf", { initAdapterPath: a.outPath }));
    expect(JSON.parse(readFileSync(cont.outPath, "utf8")).initAdapter).toBe(`sha256:${a.sha256}`);
  });

  it("refuses an empty request and fails the calls it is told to", async () => {
    const t = new FakeTrainer({ fail: (_r, call) => (call === 2 ? "boom" : undefined) });
    await expect(t.train(req("e.gguf", { examples: [] }))).rejects.toThrow(/nothing to train on/);
    await expect(t.train(req("f.gguf"))).rejects.toThrow("boom");
    await expect(t.train(req("g.gguf"))).resolves.toMatchObject({ steps: 1 });
  });

  it("gives deterministic reference log-probs per pair", async () => {
    const t = new FakeTrainer();
    const pair = {
      prompt: examples[0]!.messages.slice(0, 1),
      chosen: [{ role: "assistant" as const, content: "2" }],
      rejected: [{ role: "assistant" as const, content: "3" }],
    };
    const [x] = await t.referenceLogprobs({ baseModelPath: "base.gguf", pairs: [pair] });
    expect(await t.referenceLogprobs({ baseModelPath: "base.gguf", pairs: [pair] })).toEqual([x]);
    expect(x!.chosen).not.toBe(x!.rejected);
    expect(x!.chosen).toBeLessThan(0);
  });
});
