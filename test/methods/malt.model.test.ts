/**
 * MALT end to end on the real tiny model, llama.cpp and our ggml trainer: trees stored with node paths,
 * the roles' LoRA adapters trained on their own data, k-chain evaluation per iteration, the tree
 * statistics in results.json, and a second run of the same command that changes nothing.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import { openStore } from "../../src/store/index.js";

const root = resolve(import.meta.dirname, "../..");

describe("MALT on the tiny model", () => {
  it("grows trees, trains each role, evaluates chains per iteration, and resumes to the same report", async () => {
    await ensureTinyModel("test");
    const tmp = mkdtempSync(join(tmpdir(), "malt-"));
    const db = join(tmp, "m.db");
    process.env.SOCIETY_LLAMA_THREADS = "1";
    const argv = ["run", join(root, "test/fixtures/malt-tiny.yaml"), "--db", db, "--out", tmp];
    expect(await main(argv)).toBe(0);
    const runId = readdirSync(tmp).find((f) => f.startsWith("malt-test-"))!;
    const resultsFile = join(tmp, runId, "report/results.json");
    const results = JSON.parse(readFileSync(resultsFile, "utf8"));
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
    expect(readFileSync(join(tmp, runId, "report/report.md"), "utf8")).toContain("## Search trees (MALT)");

    const store = await openStore(db);
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
    const before = (await store.turns.listFor({ runId, method: "malt-sft-only", iteration: 1, phase: "test" })).length;
    await store.close();

    // The same command again resumes a finished run: no new turns, the same results.
    expect(await main(argv)).toBe(0);
    const again = await openStore(db);
    expect((await again.turns.listFor({ runId, method: "malt-sft-only", iteration: 1, phase: "test" })).length).toBe(before);
    await again.close();
    expect(JSON.parse(readFileSync(resultsFile, "utf8"))).toEqual(results);
  }, 900_000);
});
