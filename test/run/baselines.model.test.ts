/** Every baseline method runs end to end on the tiny model, on the same questions and seeds, into one report. */
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { runFixture } from "../support/fixture-run.js";

describe("baselines", () => {
  it("run side by side and share the untrained debate", async () => {
    const run = await runFixture("baselines-tiny.yaml", "baselines-test");
    expect(run.code).toBe(0);
    const { runId, results } = run;
    for (const m of ["single-agent-ft", "majority-ft", "star", "multiagent-ft-no-critic", "single-agent-all-data"]) {
      expect(results.methods[m].accuracy, m).toHaveLength(2);
    }
    for (const m of ["base", "majority", "debate"]) expect(results.methods[m].accuracy, m).toHaveLength(1);
    // All methods start from the same base debate: equal iteration-0 accuracy wherever they debate alike, and
    // majority FT (evaluated by the vote over N plain samples) where the `majority` baseline stands.
    const a0 = results.methods["debate"].accuracy[0];
    for (const m of ["single-agent-ft", "star", "single-agent-all-data"]) expect(results.methods[m].accuracy[0], m).toBe(a0);
    expect(results.methods["majority-ft"].accuracy[0]).toBe(results.methods["majority"].accuracy[0]);

    const store = await openStore(run.db);
    // The same untrained society gives the same diversity figures to every method that debates it.
    const it0 = (await store.metrics.list({ runId, scope: "run" })).filter((m) => m.iteration === 0 && m.name === "cross_agent_nll");
    expect(it0.length).toBeGreaterThanOrEqual(4);
    expect(new Set(it0.map((m) => m.value)).size, JSON.stringify(it0.map((m) => [m.method, m.value]))).toBe(1);
    const debates = await store.debates.list({ runId, iteration: 0, phase: "test" });
    expect(new Set(debates.map((d) => d.method))).toEqual(new Set(["base"])); // one shared untrained test debate
    // STaR rationalizes only the questions it got wrong, with the hint template.
    const hints = await store.turns.listFor({ runId, method: "star-hint", iteration: 0, phase: "train" });
    const attempts = await store.turns.listFor({ runId, method: "star", iteration: 0, phase: "train" });
    expect(attempts).toHaveLength(10);
    expect(hints.length).toBeLessThanOrEqual(10);
    for (const h of hints) expect(h.prompt[0]!.content).toMatch(/The answer is/);
    await store.close();
  }, 900_000);
});
