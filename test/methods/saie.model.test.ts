/**
 * SAIE end to end on the real tiny model, llama.cpp and our ggml trainer: the warm-up LoRA, the learner's
 * discussions with the frozen base as partner (remark kinds stored on the turns), its LoRA trained on
 * them continuing the warm-up adapter, the SFT baseline, evaluation alone and in debate, and a second
 * run of the same command that changes nothing.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { expectRerunChangesNothing, runFixture } from "../support/fixture-run.js";

describe("SAIE on the tiny model", () => {
  it("warms up, discusses, trains the learner from the warm-up adapter, evaluates alone and in debate, and resumes to the same report", async () => {
    const run = await runFixture("saie-tiny.yaml", "saie-test");
    expect(run.code).toBe(0);
    const { runId, results } = run;
    for (const name of ["saie", "saie+debate", "saie-sft", "saie-sft+debate"]) expect(results.methods[name].accuracy, name).toHaveLength(2);
    // The same untrained learner at iteration 0, alone and in debate.
    expect(results.methods.saie.accuracy[0]).toBe(results.methods["saie-sft"].accuracy[0]);
    expect(results.methods["saie+debate"].accuracy[0]).toBe(results.methods["saie-sft+debate"].accuracy[0]);
    expect(readFileSync(join(run.tmp, runId, "report/report.md"), "utf8")).toContain("## Learner alone and in debate (SAIE)");
    expect(results.methods.saie.discussion.supportive[1] + results.methods.saie.discussion.adversarial[1]).toBe(12);
    expect(results.methods.saie.discussion.rows[1]).toBe(6 * 3);

    const store = await openStore(run.db);
    const roles = new Map((await store.agents.list(runId, "saie")).map((a) => [a.id, a.role]));
    const turns = await store.turns.listFor({ runId, method: "saie", iteration: 1, phase: "train" });
    expect(turns).toHaveLength(6 * (1 + 2 * 2));
    const remarks = turns.filter((t) => roles.get(t.agentId) === "partner");
    expect(remarks).toHaveLength(12);
    for (const t of remarks) expect(["supportive", "adversarial"]).toContain((t.meta as { remark: string }).remark);
    // The learner's replies read the partner's remark.
    for (const t of turns.filter((x) => roles.get(x.agentId) === "learner" && x.round > 1)) {
      const remark = remarks.find((r) => r.id === t.parentId)!;
      expect(t.prompt.at(-1)!.content).toContain(remark.completion.trim());
    }
    // Warm-up job, then the learner's job continuing the warm-up adapter: both real LoRA files.
    const jobs = await store.trainingJobs.list({ runId, status: "succeeded" });
    const agents = await store.agents.list(runId);
    const byMethod = (m: string) => jobs.filter((j) => agents.find((a) => a.id === j.agentId)!.method === m);
    const [warm] = byMethod("saie-warmup"),
      [learner] = byMethod("saie"),
      [sft] = byMethod("saie-sft");
    const warmV = (await store.modelVersions.list(warm!.agentId)).find((v) => v.id === warm!.outputModelVersionId)!;
    const learnerV = (await store.modelVersions.list(learner!.agentId)).find((v) => v.id === learner!.outputModelVersionId)!;
    expect((learner!.config as { continueFrom: string | null }).continueFrom).toBe(warmV.id);
    expect((sft!.config as { continueFrom: string | null }).continueFrom).toBeNull();
    for (const v of [warmV, learnerV]) expect(v.kind === "lora" && existsSync(v.path!)).toBe(true);
    expect(learnerV.sha256).not.toBe(warmV.sha256);
    expect((await store.datasets.get(learner!.datasetId!))!.rowCount).toBe(6 * 3);
    const before = (await store.turns.listFor({ runId, method: "saie", iteration: 1, phase: "test" })).length;
    expect(before).toBe(6);
    await store.close();

    await expectRerunChangesNothing(run, "saie", 1);
  }, 900_000);
});
