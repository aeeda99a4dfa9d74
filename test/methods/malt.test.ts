/**
 * The MALT methods' logic, fast: the real loop and a real SQLite file with the shipped fakes (scripted
 * replies right or wrong by seed; a trainer that records requests). What the trainer is asked is the
 * point: which role trains on what, SFT before DPO from the SFT weights, reference log-probs computed
 * once (with those weights) and stored with the pairs, no DPO in the ablation, and nothing redone on
 * resume. The real model and trainer run the same methods in malt.model.test.ts.
 */
import { describe, expect, it } from "vitest";
import { reportDataFromStore } from "../../src/report/from-store.js";
import { openStore } from "../../src/store/index.js";
import { FakeTrainer } from "../../src/training/fake.js";
import { datasetsOf, fakeConfig, metric, openDb, runFake } from "./fixtures/fake-run.js";

const input = {
  methods: ["malt", "malt-sft-only"] as ["malt", "malt-sft-only"],
  iterations: 2,
  task: { name: "arithmetic" as const, options: { maxValue: 9 }, train: { limit: 8 }, test: { limit: 5 } },
  malt: { branching: 2, chains: 3, dpo: { beta: 0.3, lr: 0.0005 } },
};
const config = fakeConfig(input);

describe("MALT methods (fakes)", () => {
  it("train each role on its own data: G SFT; V and R SFT then DPO from the SFT weights, with stored reference log-probs", async () => {
    const run = await runFake(config);
    expect(run.error).toBeUndefined();
    const reqs = run.trainer.requests;
    const malt = reqs.filter((r) => r.outPath.includes("/malt/"));
    expect(reqs.filter((r) => r.outPath.includes("/malt-sft-only/")).every((r) => (r.objective?.kind ?? "sft") === "sft")).toBe(true);
    const dpo = malt.filter((r) => r.objective?.kind === "dpo");
    expect(dpo.length).toBeGreaterThan(0);
    for (const r of dpo) {
      expect(r.objective).toEqual({ kind: "dpo", beta: 0.3 });
      expect(r.optim?.lr).toBe(0.0005);
      expect(r.outPath).toMatch(/(verifier|refiner)0-it\d\.gguf$/);
      // DPO continues the SFT stage of the same iteration, which is also its frozen reference.
      const sft = r.outPath.replace(/\.gguf$/, "-sft.gguf");
      expect(r.initAdapterPath).toBe(sft);
      const ref = run.trainer.referenceRequests.filter((x) => x.adapterPath === sft);
      expect(ref).toHaveLength(1);
      const expected = await new FakeTrainer().referenceLogprobs(ref[0]!);
      expect(r.pairs!.map((p) => [p.refChosenLogp, p.refRejectedLogp])).toEqual(expected.map((x) => [x.chosen, x.rejected]));
      for (const p of r.pairs!) {
        expect(p.chosen[0]!.content).not.toBe(p.rejected[0]!.content);
        expect(p.prompt.map((m) => m.role)).toEqual(["user", "assistant", "user"]); // the generator's exchange, then the role's request
      }
    }
    expect(malt.some((r) => /generator0-it\d(-sft)?\.gguf$/.test(r.outPath) && r.objective?.kind === "dpo")).toBe(false);

    const db = openDb(run.dbPath);
    // The pairs are stored as a preference dataset with their reference log-probs.
    const pairSets = datasetsOf(db, "malt").filter((d) => d.format === "preference");
    expect(new Set(pairSets.map((d) => d.role))).toEqual(new Set(["verifier", "refiner"]));
    expect(pairSets.flatMap((d) => d.rows).every((r) => typeof r.refChosenLogp === "number" && r.chosen![0]!.role === "assistant")).toBe(
      true,
    );
    expect(datasetsOf(db, "malt-sft-only").some((d) => d.format === "preference")).toBe(false);
    // Iteration 0 (trees and evaluation of the untrained agents) is stored once for both methods.
    const it0 = db.prepare("select distinct method, phase from debates where iteration = 0 order by 2").all();
    expect(it0).toEqual([
      { method: "malt-base", phase: "test" },
      { method: "malt-base", phase: "train" },
    ]);
    expect(metric(db, "malt", 0, "accuracy")).toBe(metric(db, "malt-sft-only", 0, "accuracy"));
    expect(metric(db, "malt", 1, "tree_leaves")).toBe(8 * 8);
    expect(metric(db, "malt", 1, "tree_pairs_verifier")).toBe(metric(db, "malt-sft-only", 1, "tree_pairs_verifier")); // the same trees at iteration 1
    for (const m of ["malt", "malt-sft-only"])
      for (const l of [0, 1, 2]) expect(metric(db, m, l, "accuracy"), `${m} it${l}`).toBeTypeOf("number");
    db.close();

    // Resume after the end: nothing is generated, trained or scored twice.
    const again = await runFake(config, { dir: run.dir });
    expect([again.backend.generated.length, again.trainer.requests.length, again.trainer.referenceRequests.length]).toEqual([0, 0, 0]);
  });

  it("a run killed during DPO resumes there: the SFT stage is not redone and the reference log-probs are not recomputed", async () => {
    const one = fakeConfig({ ...input, methods: ["malt"], iterations: 1 });
    const dying = new FakeTrainer({ fail: (r) => (r.objective?.kind === "dpo" ? "fake trainer: killed during DPO" : undefined) });
    const crashed = await runFake(one, { trainer: dying });
    expect(crashed.error?.message).toBe("fake trainer: killed during DPO");
    expect(dying.referenceRequests).toHaveLength(1);
    const resumed = await runFake(one, { dir: crashed.dir });
    expect(resumed.error).toBeUndefined();
    expect(resumed.trainer.requests.some((r) => r.outPath.endsWith("verifier0-it1-sft.gguf"))).toBe(false);
    expect(resumed.trainer.referenceRequests.some((r) => r.adapterPath?.endsWith("verifier0-it1-sft.gguf"))).toBe(false);
    expect(resumed.trainer.requests.some((r) => r.outPath.endsWith("verifier0-it1.gguf") && r.objective?.kind === "dpo")).toBe(true);
  });

  it("beside a debate, the report's interaction graphs are the debate's only (a MALT tree is not one)", async () => {
    const run = await runFake(fakeConfig({ ...input, methods: ["malt", "debate"], agents: 3, rounds: 2, iterations: 1 }));
    expect(run.error).toBeUndefined();
    const store = await openStore(run.dbPath);
    const data = await reportDataFromStore(store, [run.runId]).finally(() => store.close());
    expect(data.graphs!.map((g) => g.source)).toEqual(["base · test"]);
  });
});
