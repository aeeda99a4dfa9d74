/**
 * MAGDi through the whole trainer on the `test` tiny model (a real char-level arithmetic model): graphs of
 * 3 agents × 2 rounds whose nodes are, at random, right (the worked solution) or wrong (a bare wrong guess,
 * `\boxed{n}` without steps: a signal the pooled states carry, so the test checks that the loop trains the
 * heads through the student, not how well a 0.15 M-parameter model spots a one-step slip — measured at 0.5
 * node accuracy after 180 steps; what MAGDi does on real debates is what eval/configs/tiny-magdi.yaml
 * measures). Held out: the GCN tells the labels apart and the ranking head puts correct nodes first; the
 * adapter is plain LoRA.
 */
import { describe, expect, it } from "vitest";
import { generatorChat } from "../../../src/protocols/debate/index.js";
import { UserError } from "../../../src/errors.js";
import { compactSolution, operandsOf } from "../../../src/models/tiny/corpus.js";
import { getTask } from "../../../src/tasks/index.js";
import { openGguf } from "../../../src/training/ggml/gguf/read.js";
import { loadGgml } from "../../../src/training/ggml/ffi/index.js";
import { ggmlTrainer } from "../../../src/training/ggml/index.js";
import { Rng } from "../../../src/training/ggml/rng.js";
import type { TrainGraph, TrainRequest } from "../../../src/training/types.js";
import { loraRequest, tinyModelScratch } from "../../support/ggml-trainer-requests.js";

const at = tinyModelScratch("society-magdi-trainer-");

async function graphs(n: number, seed: number): Promise<TrainGraph[]> {
  const task = getTask("arithmetic", { maxValue: 3 });
  const rng = new Rng(seed, "node-labels");
  const edges: [number, number][] = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) edges.push([i * 2, j * 2 + 1]);
  return (await task.questions("train", { limit: n, seed })).map((q) => ({
    edges,
    nodes: Array.from({ length: 6 }, () => {
      const right = rng.next() < 0.5;
      return {
        label: right ? ("correct" as const) : ("incorrect" as const),
        messages: [
          ...generatorChat({ task: "arithmetic", vars: task.promptVars(q) }),
          { role: "assistant" as const, content: right ? compactSolution(operandsOf(q)) : `\\boxed{${Number(q.gold) + 1 + rng.int(3)}}` },
        ],
      };
    }),
  }));
}

const req = (over: Partial<TrainRequest>) =>
  loraRequest(
    at,
    {
      objective: { kind: "magdi", alpha: 1, beta: 1, gamma: 0.1, margin: 1, gcnHidden: 64 },
      optim: { lr: 3e-3, epochs: 3, batchSize: 4 },
      contextLength: 256,
    },
    over,
  );

describe("ggmlTrainer, objective magdi", () => {
  it("LoRA: held-out node and ranking accuracy rise; the saved adapter has no head tensors", async () => {
    const logs: string[] = [];
    const res = await ggmlTrainer.train(req({ graphs: await graphs(40, 3), valFraction: 0.25, evalEvery: 5, onLog: (l) => logs.push(l) }));
    expect(logs.some((l) => /30 graphs \(\d+ correct, \d+ incorrect, 0 absent nodes; \d+ pairs; α 1 β 1 γ 0.1, margin 1\)/.test(l))).toBe(
      true,
    );
    const vals = res.lossCurve.filter((p) => p.valMetrics);
    const [first, last] = [vals[0]!, vals[vals.length - 1]!];
    const f = (p: typeof first, k: string) => p.valMetrics![k]!;
    console.log(
      `[magdi lora] ${res.steps} steps; validation (10 graphs) step ${first.step} → ${last.step}: loss ${first.valLoss!.toFixed(3)} → ${last.valLoss!.toFixed(3)}, ` +
        ["nt/loss", "node/loss", "node/accuracy", "mr/loss", "mr/accuracy"]
          .map((k) => `${k} ${f(first, k).toFixed(3)} → ${f(last, k).toFixed(3)}`)
          .join(", "),
    );
    expect(f(last, "node/loss")).toBeLessThan(f(first, "node/loss"));
    // Labels are a fair coin: the prior alone scores 0.5. Independent labels are the GCN's hard case (a round-2
    // node's Â row weighs its own state 1/4 and each round-1 node 1/2), so ~0.8 is what it reaches here.
    expect(f(first, "node/accuracy")).toBeLessThan(0.65);
    expect(f(last, "node/accuracy")).toBeGreaterThan(0.7);
    // The ranking head separates these from the first validation on; its hinge still has to open the margin.
    expect(f(last, "mr/accuracy")).toBeGreaterThan(0.9);
    expect(f(last, "mr/loss")).toBeLessThan(0.5 * f(first, "mr/loss"));
    expect(last.valLoss!).toBeLessThan(first.valLoss!);
    const g = loadGgml();
    const file = openGguf(res.outPath, g);
    const names = file.tensors.map((t) => t.name);
    file.close();
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => /\.lora_[ab]$/.test(n))).toBe(true);
  }, 600_000);

  it("bad graphs and weights are user errors naming the field", async () => {
    const gs = await graphs(2, 4);
    await expect(
      ggmlTrainer.train(req({ graphs: gs, objective: { kind: "magdi", alpha: 0, beta: 0, gamma: 0, margin: 1 } })),
    ).rejects.toThrow(/at least one of alpha, beta, gamma/);
    await expect(
      ggmlTrainer.train(req({ graphs: gs, objective: { kind: "magdi", alpha: 1, beta: -1, gamma: 0, margin: 1 } })),
    ).rejects.toThrow(/objective.beta must be a number ≥ 0/);
    await expect(ggmlTrainer.train(req({ graphs: [{ ...gs[0]!, edges: [[0, 9]] }] }))).rejects.toThrow(UserError);
    await expect(ggmlTrainer.train(req({ graphs: [{ ...gs[0]!, edges: [[0, 9]] }] }))).rejects.toThrow(
      /graphs\[0\]\.edges\[0\] must be \[source, target\] node indices in 0\.\.5/,
    );
    await expect(ggmlTrainer.train(req({ graphs: gs, examples: [] }))).rejects.toThrow(/trains on graphs/);
    // A graph that cannot fit one micro-batch (its nodes must meet in the GCN).
    await expect(ggmlTrainer.train(req({ graphs: gs, contextLength: 64, optim: { batchSize: 2 } }))).rejects.toThrow(
      /does not fit one micro-batch of 2 rows of 64/,
    );
  }, 120_000);
});
