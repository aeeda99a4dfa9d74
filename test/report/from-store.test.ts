import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reportDataFromStore } from "../../src/report/from-store.js";
import { resultsJson } from "../../src/report/results-json.js";
import { diversityRows, significanceRows, societyRows } from "../../src/report/table.js";
import { openStore } from "../../src/store/index.js";

describe("report data from the store", () => {
  it("merges seeds into mean ± std per iteration, and keeps one run's binomial stderr", async () => {
    const store = await openStore(join(mkdtempSync(join(tmpdir(), "rep-")), "s.db"));
    const acc = { 1: [0.4, 0.5], 2: [0.5, 0.7], 3: [0.6, 0.6] } as Record<number, number[]>;
    for (const seed of [1, 2, 3]) {
      const id = `r${seed}`;
      await store.runs.create({
        id,
        name: "demo",
        methods: ["multiagent-ft"],
        config: { name: "demo", task: { name: "arithmetic" } },
        seed,
      });
      await store.metrics.put(
        acc[seed]!.flatMap((a, it) => [
          { runId: id, method: "multiagent-ft", iteration: it, name: "accuracy", scope: "run", value: a },
          { runId: id, method: "multiagent-ft", iteration: it, name: "accuracy_stderr", scope: "run", value: 0.05 },
          { runId: id, method: "multiagent-ft", iteration: it, name: "consensus", scope: "run", value: 0.9 - 0.1 * it },
          { runId: id, method: "multiagent-ft", iteration: it, name: "kl_estimate", scope: "run", value: 0.01 * seed * it },
        ]),
      );
    }
    const three = await reportDataFromStore(store, ["r1", "r2", "r3"]);
    const m = three.methods["multiagent-ft"]!;
    expect(three.seeds).toEqual([1, 2, 3]);
    expect(m.accuracy[0]).toBeCloseTo(0.5, 10);
    expect(m.stderr[0]).toBeCloseTo(0.1, 10); // sample std of 0.4, 0.5, 0.6
    expect(m.accuracy[1]).toBeCloseTo(0.6, 10);
    expect(m.stderr[1]).toBeCloseTo(Math.sqrt(((0.5 - 0.6) ** 2 + (0.7 - 0.6) ** 2 + 0) / 2), 10);
    expect(m.diversity.consensus![0]).toBeCloseTo(0.9, 10);
    expect(m.diversity.consensus![1]).toBeCloseTo(0.8, 10);
    expect(m.diversityStd!.consensus![1]).toBeCloseTo(0, 10);
    expect(m.diversity.kl_estimate![1]).toBeCloseTo(0.02, 10);
    expect(m.diversityStd!.kl_estimate![1]).toBeCloseTo(0.01, 10); // sample std of 0.01, 0.02, 0.03
    expect(diversityRows(three).rows.find((r) => r[1] === "kl_estimate")![3]).toBe("0.020 ± 0.010");
    expect((resultsJson(three) as any).methods["multiagent-ft"].diversity_std.kl_estimate[1]).toBeCloseTo(0.01, 10);
    const one = await reportDataFromStore(store, ["r2"]);
    expect(one.methods["multiagent-ft"]!.stderr).toEqual([0.05, 0.05]);
    expect(one.methods["multiagent-ft"]!.diversityStd).toBeUndefined();
    expect(diversityRows(one).rows.find((r) => r[1] === "kl_estimate")![3]).toBe("0.020");
    await expect(reportDataFromStore(store, ["nope"])).rejects.toThrow(/no run "nope"/);
    await store.close();
  });

  it("gathers the society figures, per-agent round-1 accuracy, and pairs the methods' questions for a bootstrap", async () => {
    const store = await openStore(join(mkdtempSync(join(tmpdir(), "rep-")), "s.db"));
    for (const seed of [1, 2]) {
      const id = `s${seed}`;
      await store.runs.create({
        id,
        name: "demo",
        methods: ["multiagent-ft", "single-agent-ft"],
        config: { name: "demo", task: { name: "arithmetic" } },
        seed,
      });
      const rows = [];
      for (const [method, rate] of [
        ["multiagent-ft", 0.7],
        ["single-agent-ft", 0.4],
      ] as const) {
        for (let q = 0; q < 100; q++)
          rows.push({ runId: id, method, iteration: 1, name: "correct", scope: `question:q${q}`, value: q < 100 * rate ? 1 : 0 });
        rows.push({ runId: id, method, iteration: 1, name: "accuracy", scope: "run", value: rate });
        rows.push({ runId: id, method, iteration: 1, name: "round1_accuracy", scope: "run", value: rate - 0.1 });
        rows.push({ runId: id, method, iteration: 1, name: "label_precision/G", scope: "run", value: 0.8 + 0.02 * seed });
        for (const a of [0, 1, 2])
          rows.push({ runId: id, method, iteration: 1, name: "round1_accuracy", scope: `agent:${a}`, value: 0.1 * a + 0.1 * seed });
      }
      await store.metrics.put(rows);
    }
    const d = await reportDataFromStore(store, ["s1", "s2"]);
    const m = d.methods["multiagent-ft"]!;
    expect(m.society!.round1_accuracy![1]).toBeCloseTo(0.6, 10);
    expect(m.society!["label_precision/G"]![1]).toBeCloseTo(0.83, 10);
    expect(m.agentRound1![1]).toEqual([0.15000000000000002, 0.25, 0.35].map((x) => expect.closeTo(x, 10)));
    const c = d.comparisons!.find((x) => x.iteration === 1)!;
    expect(c).toMatchObject({ a: "multiagent-ft", b: "single-agent-ft", n: 200 });
    expect(c.diff).toBeCloseTo(0.3, 10);
    expect(c.p).toBeLessThan(0.001);
    expect(significanceRows(d).rows[0]![0]).toBe("multiagent-ft − single-agent-ft");
    expect(significanceRows(d).rows[0]![2]).toMatch(/^\+30\.0 \[\+\d+\.\d, \+\d+\.\d\] p=<0\.001$/);
    const soc = societyRows(d);
    expect(soc.rows.find((r) => r[0] === "multiagent-ft" && r[1] === "per agent (round 1)")![3]).toBe("15.0 / 25.0 / 35.0");
    expect(soc.rows.find((r) => r[1] === "label precision G")![3]).toBe("83.0 ± 1.4");
    await store.close();
  });
});
