import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveEvalArgs } from "../../src/evaluate/args.js";
import { evalRunId, methodPlan } from "../../src/evaluate/resolve.js";
import { isUserError } from "../../src/errors.js";

const dir = mkdtempSync(join(tmpdir(), "society-evalargs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("society eval flags", () => {
  it("builds a run config from flags alone, with the protocol's defaults", () => {
    const r = resolveEvalArgs({ task: "gsm8k", limit: 50, model: "m.gguf" });
    expect(r.run.task).toMatchObject({ name: "gsm8k", test: { limit: 50, offset: 0 } });
    expect(r.run).toMatchObject({ name: "eval", seed: 1, agents: 3, rounds: 2, model: { base: "m.gguf", backend: "llama" } });
    expect(r.run.debate).toMatchObject({ temperature: 1, top_p: 0.9, summarize: true });
    expect(r.eval).toMatchObject({ method: "debate", split: "test", parallel: 8, out_dir: "runs" });
  });

  it("lets flags override a YAML config, and puts --limit on the evaluated split", () => {
    const file = join(dir, "c.yaml");
    writeFileSync(file, "name: paper\nseed: 4\ntask:\n  name: math\nagents: 5\ndebate:\n  max_tokens: 256\n");
    const r = resolveEvalArgs({
      config: file,
      agents: 2,
      "no-such": 1,
      split: "train",
      limit: 9,
      summarize: false,
      method: "majority",
      k: 7,
    } as any);
    expect(r.run).toMatchObject({ name: "paper", seed: 4, agents: 2, task: { name: "math", train: { limit: 9 } } });
    expect(r.run.debate).toMatchObject({ max_tokens: 256, summarize: false });
    expect(r.eval).toMatchObject({ method: "majority", split: "train", k: 7 });
  });

  it("reports bad input as one-line user errors", () => {
    const cases: Array<[object, RegExp]> = [
      [{}, /give --config <file> or --task <name>/],
      [{ task: "chess" }, /task.name/],
      [{ task: "math", agents: 0 }, /agents/],
      [{ task: "math", k: -1 }, /eval.k/],
      [{ config: join(dir, "missing.yaml") }, /cannot read config/],
    ];
    for (const [args, msg] of cases) {
      let err: unknown;
      try {
        resolveEvalArgs(args);
      } catch (e) {
        err = e;
      }
      expect(isUserError(err), String(err)).toBe(true);
      expect((err as Error).message).toMatch(msg);
    }
  });
});

describe("eval run id and method plans", () => {
  const base = () => resolveEvalArgs({ task: "arithmetic", model: "m.gguf" });

  it("is the same for the same results-relevant settings, whatever the speed knobs", () => {
    const a = evalRunId(base());
    expect(a).toMatch(/^eval-debate-s1-[0-9a-f]{8}$/);
    expect(
      evalRunId(resolveEvalArgs({ task: "arithmetic", model: "m.gguf", threads: 1, parallel: 32, concurrency: 64, "out-dir": "/x" })),
    ).toBe(a);
    for (const change of [{ seed: 2 }, { rounds: 3 }, { "max-tokens": 100 }, { method: "single" }, { limit: 5 }, { summarize: false }]) {
      expect(evalRunId(resolveEvalArgs({ task: "arithmetic", model: "m.gguf", ...change }))).not.toBe(a);
    }
  });

  it("single: one agent, one round; majority: k generators, one round; debate: N × M with summarizers", () => {
    const m = { base: "m.gguf" };
    const single = methodPlan({ ...base(), eval: { ...base().eval, method: "single" } }, m);
    expect(single.agents.map((a) => `${a.role}${a.index}`)).toEqual(["single0"]);
    expect(single.options).toMatchObject({
      rounds: 1,
      summarize: false,
      runSeed: 1,
      sampling: { temperature: 1, topP: 0.9, maxTokens: 512 },
    });
    const maj = methodPlan({ ...base(), eval: { ...base().eval, method: "majority", k: 5 } }, m);
    expect(maj.agents.map((a) => `${a.role}${a.index}`)).toEqual(["generator0", "generator1", "generator2", "generator3", "generator4"]);
    expect(maj.options.rounds).toBe(1);
    const deb = methodPlan(base(), m);
    expect(deb.agents.map((a) => `${a.role}${a.index}`).sort()).toEqual([
      "critic0",
      "critic1",
      "critic2",
      "generator0",
      "generator1",
      "generator2",
      "summarizer0",
      "summarizer1",
      "summarizer2",
    ]);
    expect(deb.options).toMatchObject({ rounds: 2, summarize: true });
    const raw = methodPlan(resolveEvalArgs({ task: "arithmetic", summarize: false }), m);
    expect(raw.agents.some((a) => a.role === "summarizer")).toBe(false);
    expect(() => methodPlan(resolveEvalArgs({ task: "arithmetic", agents: 1 }), m)).toThrow(/needs agents ≥ 2/);
  });
});
