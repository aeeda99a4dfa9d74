/**
 * MALT end to end on the real tiny model, llama.cpp and our ggml trainer: trees stored with node paths,
 * the roles' LoRA adapters trained on their own data, k-chain evaluation per iteration, the tree
 * statistics in results.json, and a second run of the same command that changes nothing.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { expectRerunChangesNothing, runFixture } from "../support/fixture-run.js";

describe("MALT on the tiny model", () => {
  it("grows trees, trains each role, evaluates chains per iteration, and resumes to the same report", async () => {
    const run = await runFixture("malt-tiny.yaml", "malt-test");
    expect(run.code).toBe(0);
    const { runId, results } = run;
    for (const name of ["malt-sft-only", "malt"]) {
      const m = results.methods[name];
      expect(m.accuracy, name).toHaveLength(3);
      expect(m.tree.leaves).toEqual([null, 6 * 27, 6 * 27]);
      expect(m.tree.questions).toEqual([null, 6, 6]);
      for (const l of [1, 2]) expect(m.tree.correct_leaf_share[l]).toBeGreaterThanOrEqual(0);
    }
    // Both methods start from the same untrained agents and trees: equal iteration 0 and iteration-1 trees.
    expect(results.methods.malt.accuracy[0]).toBe(results.methods["malt-sft-only"].accuracy[0]);
    expect(results.methods.malt.tree.pairs_refiner[1]).toBe(results.methods["malt-sft-only"].tree.pairs_refiner[1]);
    expect(readFileSync(join(run.tmp, runId, "report/report.md"), "utf8")).toContain("## Search trees (MALT)");

    const store = await openStore(run.db);
    const turns = await store.turns.listFor({ runId, method: "malt-base", iteration: 0, phase: "train" });
    expect(turns).toHaveLength(6 * (3 + 9 + 27));
    expect(
      turns
        .filter((t) => t.parentId === null)
        .map((t) => t.node)
        .sort(),
    ).toEqual(
      Array.from({ length: 6 }, () => ["0", "1", "2"])
        .flat()
        .sort(),
    );
    const test0 = await store.turns.listFor({ runId, method: "malt-base", iteration: 0, phase: "test" });
    expect(test0).toHaveLength(6 * 3 * 3); // 3 chains × (G, V, R)
    // Each role is its own LoRA over the base; a role with data at iteration 1 has a trained adapter.
    const agents = (await store.agents.list(runId, "malt-sft-only")).map((a) => a.role);
    expect(agents.sort()).toEqual(["generator", "refiner", "verifier"]);
    const jobs = await store.trainingJobs.list({ runId, status: "succeeded" });
    expect(jobs.length).toBeGreaterThan(0);
    // malt's verifier/refiner: a DPO job on a stored preference set whose rows carry reference log-probs
    // from our trainer, continuing that iteration's SFT adapter.
    const dpo = jobs.filter((j) => (j.config as { objective?: { kind: string } }).objective?.kind === "dpo");
    expect(dpo.length).toBeGreaterThan(0);
    for (const j of dpo) {
      const set = (await store.datasets.get(j.datasetId!))!;
      expect(set.format).toBe("preference");
      const rows = await store.datasets.rows(set.id);
      for (const r of rows) {
        expect(Number.isFinite(r.refChosenLogp) && r.refChosenLogp! < 0).toBe(true);
        expect(Number.isFinite(r.refRejectedLogp) && r.refRejectedLogp! < 0).toBe(true);
      }
      const v = (await store.modelVersions.list(j.agentId)).find((x) => x.id === j.outputModelVersionId)!;
      expect(v.path).toMatch(/(verifier|refiner)0-it\d\.gguf$/);
      expect((v.meta as { objective?: string }).objective).toBe("dpo");
    }
    await store.close();

    await expectRerunChangesNothing(run, "malt-sft-only", 1);
  }, 900_000);
});
