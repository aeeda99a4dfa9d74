/**
 * DPO through the whole trainer on the `test` tiny model (a real char-level arithmetic model): preference
 * pairs of a correct worked solution over a plausible wrong one (one step off), as MALT builds them.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generatorChat } from "../../../src/protocols/debate/index.js";
import { UserError } from "../../../src/errors.js";
import { compactSolution, operandsOf, wrongSolution } from "../../../src/models/tiny/corpus.js";
import { getTask } from "../../../src/tasks/index.js";
import { ggmlTrainer } from "../../../src/training/ggml/index.js";
import { Rng } from "../../../src/training/ggml/rng.js";
import type { PreferencePair, TrainRequest } from "../../../src/training/types.js";
import { loraRequest, tinyModelScratch } from "../../support/ggml-trainer-requests.js";

const at = tinyModelScratch("society-dpo-trainer-");

async function preferencePairs(split: "train" | "test", n: number, seed: number): Promise<PreferencePair[]> {
  const task = getTask("arithmetic", { maxValue: 3 });
  const rng = new Rng(seed, "wrong-solutions");
  return (await task.questions(split, { limit: n, seed })).map((q) => ({
    prompt: generatorChat({ task: "arithmetic", vars: task.promptVars(q) }),
    chosen: [{ role: "assistant", content: compactSolution(operandsOf(q)) }],
    rejected: [{ role: "assistant", content: wrongSolution(operandsOf(q), rng) }],
  }));
}

const BETA = 0.2;
const req = (over: Partial<TrainRequest>) =>
  loraRequest(at, { objective: { kind: "dpo", beta: BETA }, optim: { lr: 2e-3, epochs: 3, batchSize: 8 } }, over);

/** Mean implicit reward margin β·[(log π − log π_ref)(y_w) − (log π − log π_ref)(y_l)] and how often it is > 0. */
function rewards(policy: { chosen: number; rejected: number }[], ref: { chosen: number; rejected: number }[]) {
  const m = policy.map((p, i) => BETA * (p.chosen - ref[i]!.chosen - (p.rejected - ref[i]!.rejected)));
  return { margin: m.reduce((a, b) => a + b, 0) / m.length, accuracy: m.filter((x) => x > 0).length / m.length };
}

describe("ggmlTrainer, objective dpo", () => {
  it("LoRA: the held-out reward margin and preference accuracy rise; the validation loss falls", async () => {
    const pairs = await preferencePairs("train", 80, 5);
    const logs: string[] = [];
    const res = await ggmlTrainer.train(
      req({ pairs, outPath: join(at.dir, "dpo.gguf"), valFraction: 0.25, evalEvery: 5, onLog: (l) => logs.push(l) }),
    );
    expect(logs.some((l) => /computed the reference log-probs of 80 pairs/.test(l))).toBe(true);
    const vals = res.lossCurve.filter((p) => p.valMetrics);
    const first = vals[0]!;
    const last = vals[vals.length - 1]!;
    console.log(
      `[dpo lora] ${res.steps} steps; validation (20 pairs) step ${first.step} → ${last.step}: loss ${first.valLoss!.toFixed(3)} → ${last.valLoss!.toFixed(3)}, ` +
        `margin ${first.valMetrics!["rewards/margins"]!.toFixed(3)} → ${last.valMetrics!["rewards/margins"]!.toFixed(3)}, ` +
        `accuracy ${first.valMetrics!["rewards/accuracies"]} → ${last.valMetrics!["rewards/accuracies"]}`,
    );
    expect(res.lossCurve[0]!.loss).toBeCloseTo(Math.LN2, 6); // the first step's policy is the reference
    expect(res.valMetrics).toEqual(last.valMetrics);
    expect(last.valMetrics!["rewards/margins"]!).toBeGreaterThan(first.valMetrics!["rewards/margins"]!);
    expect(last.valMetrics!["rewards/margins"]!).toBeGreaterThan(0.3);
    expect(last.valMetrics!["rewards/accuracies"]!).toBeGreaterThanOrEqual(0.8);
    expect(last.valLoss!).toBeLessThan(Math.LN2 - 0.2);

    // Held out from everything (test-split questions), scored by referenceLogprobs under the base and the adapter.
    const held = await preferencePairs("test", 20, 9);
    const ref = await ggmlTrainer.referenceLogprobs!({ baseModelPath: at.base, pairs: held, threads: 1 });
    const policy = await ggmlTrainer.referenceLogprobs!({ baseModelPath: at.base, adapterPath: res.outPath, pairs: held, threads: 1 });
    const r = rewards(policy, ref);
    console.log(`[dpo lora] 20 test-split pairs: margin 0 → ${r.margin.toFixed(3)}, accuracy 0 → ${r.accuracy}`);
    expect(r.margin).toBeGreaterThan(0.3);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.75);
  }, 300_000);

  it("continues an SFT adapter (the reference is the adapter); stored reference log-probs train the same without recomputing", async () => {
    const sftPairs = await preferencePairs("train", 16, 7);
    const sft = await ggmlTrainer.train(
      loraRequest(at, {
        examples: sftPairs.map((p) => ({ messages: [...p.prompt, ...p.chosen] })),
        outPath: join(at.dir, "sft.gguf"),
        seed: 2,
        lora: { rank: 4, alpha: 8 },
        optim: { lr: 3e-3, epochs: 1, batchSize: 4 },
      }),
    );
    const pairs = await preferencePairs("train", 24, 8);
    const refs = await ggmlTrainer.referenceLogprobs!({ baseModelPath: at.base, adapterPath: sft.outPath, pairs, threads: 1 });
    const stored = pairs.map((p, i) => ({ ...p, refChosenLogp: refs[i]!.chosen, refRejectedLogp: refs[i]!.rejected }));
    const run = async (ps: PreferencePair[], name: string) => {
      const logs: string[] = [];
      const r = await ggmlTrainer.train(
        req({
          pairs: ps,
          initAdapterPath: sft.outPath,
          outPath: join(at.dir, name),
          optim: { lr: 2e-3, epochs: 1, batchSize: 4 },
          onLog: (l) => logs.push(l),
        }),
      );
      return { r, recomputed: logs.some((l) => /computed the reference log-probs/.test(l)) };
    };
    const inside = await run(pairs, "inside.gguf");
    const given = await run(stored, "given.gguf");
    expect([inside.recomputed, given.recomputed]).toEqual([true, false]);
    expect(inside.r.lossCurve[0]!.loss).toBeCloseTo(Math.LN2, 6);
    expect(given.r.lossCurve[0]!.loss).toBeCloseTo(Math.LN2, 5);
    let worst = 0;
    inside.r.lossCurve.forEach((p, i) => (worst = Math.max(worst, Math.abs(p.loss - given.r.lossCurve[i]!.loss))));
    console.log(`[dpo refs] ${inside.r.steps} steps; max |Δ loss| between inside and stored references ${worst.toExponential(1)}`);
    expect(given.r.steps).toBe(inside.r.steps);
    expect(worst).toBeLessThan(1e-3);
  }, 300_000);

  it("full mode: every weight moves towards the chosen replies", async () => {
    const pairs = await preferencePairs("train", 24, 11);
    const res = await ggmlTrainer.train(
      req({ pairs, mode: "full", outPath: join(at.dir, "dpo-full.gguf"), lora: undefined, optim: { lr: 5e-4, epochs: 2, batchSize: 8 } }),
    );
    const ref = await ggmlTrainer.referenceLogprobs!({ baseModelPath: at.base, pairs, threads: 1 });
    const policy = await ggmlTrainer.referenceLogprobs!({ baseModelPath: res.outPath, pairs, threads: 1 });
    const r = rewards(policy, ref);
    const last = res.lossCurve[res.lossCurve.length - 1]!;
    console.log(
      `[dpo full] ${res.steps} steps, loss ${res.lossCurve[0]!.loss.toFixed(3)} → ${last.loss.toFixed(3)}; training pairs: margin ${r.margin.toFixed(3)}, accuracy ${r.accuracy}`,
    );
    expect(res.mode).toBe("full");
    expect(r.margin).toBeGreaterThan(0.1);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.75);
  }, 300_000);

  it.each<[string, Partial<TrainRequest>, RegExp]>([
    ["no pairs", { pairs: undefined }, /objective dpo needs pairs/],
    [
      "examples instead of pairs",
      {
        examples: [
          {
            messages: [
              { role: "user", content: "q" },
              { role: "assistant", content: "a" },
            ],
          },
        ],
      },
      /trains on pairs, not examples/,
    ],
    ["β of 0", { objective: { kind: "dpo", beta: 0 } }, /objective\.beta must be a number > 0/],
    [
      "a reply that is not the assistant's",
      {
        pairs: [
          {
            prompt: [{ role: "user", content: "q" }],
            chosen: [{ role: "user", content: "a" }],
            rejected: [{ role: "assistant", content: "b" }],
          },
        ],
      },
      /pairs\[0\]\.chosen\[0\] must be an assistant message/,
    ],
    [
      "one row too short for a pair",
      { optim: { batchSize: 1 }, contextLength: 120 },
      /with batchSize 1 a row holds both replies of a pair/,
    ],
    ["an unknown objective", { objective: { kind: "ipo" } as never }, /unknown objective "ipo"/],
  ])("rejects a bad request with a UserError: %s", async (_label, over, re) => {
    const pairs = await preferencePairs("train", 2, 3);
    const p = ggmlTrainer.train(req({ pairs, ...over }));
    await expect(p).rejects.toThrow(UserError);
    await expect(p).rejects.toThrow(re);
  });
});
