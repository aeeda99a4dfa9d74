import { describe, expect, it } from "vitest";
import { debateChunks, portableModel } from "../../src/queue/debate-unit.js";
import type { StoredQuestion } from "../../src/methods/stored-question.js";

const qs = (n: number): StoredQuestion[] =>
  Array.from({ length: n }, (_, i) => ({
    task: "arithmetic",
    split: "train",
    id: `q${i}`,
    text: `${i}+1`,
    gold: String(i + 1),
    rowId: `row${i}`,
  }));
const req = (n: number) => ({ method: "multiagent-ft", iteration: 1, phase: "test" as const, questions: qs(n) });

describe("debate chunks", () => {
  it("splits the questions in order into chunks of the size, the last one shorter, each question once", () => {
    const c = debateChunks(req(20), 8);
    expect(c.map((x) => x.questions.length)).toEqual([8, 8, 4]);
    expect(c.flatMap((x) => x.questions.map((q) => q.id))).toEqual(qs(20).map((q) => q.id));
  });

  it("names each chunk by debate key, iteration, phase, first question and length: stable, distinct", () => {
    const c = debateChunks(req(10), 4);
    expect(c.map((x) => x.key)).toEqual([
      "queue/debate/multiagent-ft/it1/test/q0+4",
      "queue/debate/multiagent-ft/it1/test/q4+4",
      "queue/debate/multiagent-ft/it1/test/q8+2",
    ]);
    expect(debateChunks(req(10), 4).map((x) => x.key)).toEqual(c.map((x) => x.key));
    // Another chunk size never reuses a key for a unit covering other questions.
    const other = debateChunks(req(10), 5).map((x) => x.key);
    expect(other.filter((k) => c.some((x) => x.key === k))).toEqual([]);
    // Another phase or iteration of the same questions is another unit.
    expect(debateChunks({ ...req(4), phase: "train" }, 4)[0]!.key).not.toBe(debateChunks(req(4), 4)[0]!.key);
    expect(debateChunks({ ...req(4), iteration: 2 }, 4)[0]!.key).not.toBe(debateChunks(req(4), 4)[0]!.key);
  });

  it("no questions, no units; a chunk size below 1 is refused", () => {
    expect(debateChunks(req(0), 8)).toEqual([]);
    expect(() => debateChunks(req(3), 0)).toThrow(/--debate-chunk/);
  });
});

describe("portable models", () => {
  it("local files travel by sha256, remote model ids and routes as they are", async () => {
    const put = async (p: string) => `sha-of-${p}`;
    const isFile = (p: string) => p.endsWith(".gguf");
    expect(await portableModel({ base: "/m/base.gguf", adapter: "/r/a0.gguf" }, put, isFile)).toEqual({
      base: { sha256: "sha-of-/m/base.gguf" },
      adapter: { sha256: "sha-of-/r/a0.gguf" },
    });
    expect(await portableModel({ base: "gpt-4o-mini", backend: "openai#1234abcd" }, put, isFile)).toEqual({
      base: "gpt-4o-mini",
      backend: "openai#1234abcd",
    });
  });
});
