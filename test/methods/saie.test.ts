/**
 * The SAIE methods' phases, fast: the real loop and a real SQLite file with the shipped fakes (scripted
 * replies right or wrong by seed; a trainer that records requests). The point is what the trainer is
 * asked and in which order: the warm-up (gold solutions of a subset) once, then each method's
 * discussion data continuing from the warm-up weights, then from its own previous version; the SFT
 * baseline on the gold solutions of the same questions; both evaluations (alone, in debate) per
 * iteration, iteration 0 shared; nothing redone on resume. The real model runs them in saie.model.test.ts.
 */
import { describe, expect, it } from "vitest";
import { datasetsOf, fakeConfig, metric, openDb, runFake, turnsOf } from "./fixtures/fake-run.js";

const config = fakeConfig({
  methods: ["saie", "saie-supportive", "saie-adversarial", "saie-sft"],
  iterations: 2,
  task: { name: "arithmetic", options: { maxValue: 9 }, train: { limit: 8 }, test: { limit: 5 } },
  saie: { rounds: 2, warmup_questions: 3 },
});

describe("SAIE methods (fakes)", () => {
  it("warm-up once, then discussions and training per iteration; the SFT baseline on gold; alone and in debate each iteration", async () => {
    const run = await runFake(config);
    expect(run.error).toBeUndefined();
    const reqs = run.trainer.requests;
    const path = (m: string, l: number) => `${run.runDir}/models/${m}/learner0-it${l}.gguf`;

    // Warm-up: one job, first of all, on the gold solutions of the first 3 train questions.
    const warm = reqs.filter((r) => r.outPath.includes("/saie-warmup/"));
    expect(warm.map((r) => r.outPath)).toEqual([path("saie-warmup", 1)]);
    expect(reqs[0]!.outPath).toBe(path("saie-warmup", 1));
    expect(warm[0]!.initAdapterPath).toBeUndefined();
    expect(warm[0]!.examples).toHaveLength(3);
    for (const e of warm[0]!.examples!) {
      expect(e.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
      expect(e.messages[1]!.content).toMatch(/The answer is \\boxed\{-?\d+\}\.$/);
    }

    for (const m of ["saie", "saie-supportive", "saie-adversarial"]) {
      const mine = reqs.filter((r) => r.outPath.includes(`/models/${m}/`));
      expect(mine.map((r) => r.outPath)).toEqual([path(m, 1), path(m, 2)]);
      // Iteration 1 continues the warm-up adapter; iteration 2 its own iteration-1 adapter.
      expect(mine[0]!.initAdapterPath).toBe(path("saie-warmup", 1));
      expect(mine[1]!.initAdapterPath).toBe(path(m, 1));
      // One row per learner turn (opening + 2 replies) of each of the 8 discussions, gold solution as target.
      for (const r of mine) {
        expect(r.examples).toHaveLength(8 * 3);
        expect(r.examples!.every((e) => /The answer is \\boxed\{-?\d+\}\.$/.test(e.messages.at(-1)!.content))).toBe(true);
        expect(new Set(r.examples!.map((e) => e.messages.length))).toEqual(new Set([2, 4, 6]));
      }
    }
    const sft = reqs.filter((r) => r.outPath.includes("/models/saie-sft/"));
    expect(sft.map((r) => r.outPath)).toEqual([path("saie-sft", 1), path("saie-sft", 2)]);
    expect(sft[0]!.initAdapterPath).toBeUndefined();
    expect(sft[1]!.initAdapterPath).toBe(path("saie-sft", 1));
    expect(sft.every((r) => r.examples!.length === 8 && r.examples!.every((e) => e.messages.length === 2))).toBe(true);

    const db = openDb(run.dbPath);
    // The discussions: who spoke with which model; the learner of it1 is the warm-up model.
    const d1 = turnsOf(db, "saie", 1, "train");
    expect(new Set(d1.map((t) => t.role))).toEqual(new Set(["learner", "partner"]));
    expect(
      d1
        .filter((t) => t.role === "learner")
        .every((t) => t.completion.startsWith("<<saie-warmup/learner0-it1>>") || !t.completion.startsWith("<<")),
    ).toBe(true);
    expect(d1.filter((t) => t.role === "partner").every((t) => t.completion.startsWith("<<base>>"))).toBe(true);
    expect(
      turnsOf(db, "saie", 2, "train")
        .filter((t) => t.role === "learner")
        .some((t) => t.completion.startsWith("<<saie/learner0-it1>>")),
    ).toBe(true);
    // Remark kinds: the ablations hold to one kind; saie's share 0.5 mixes both.
    expect(metric(db, "saie-supportive", 1, "saie_adversarial")).toBe(0);
    expect(metric(db, "saie-adversarial", 1, "saie_supportive")).toBe(0);
    expect(metric(db, "saie", 1, "saie_supportive")! + metric(db, "saie", 1, "saie_adversarial")!).toBe(16);
    // The stored datasets are the learner's (the partner never trains).
    expect(datasetsOf(db, "saie").map((d) => `${d.role}/${d.kind}/${d.iteration}`)).toEqual(["learner/saie/1", "learner/saie/2"]);
    expect(datasetsOf(db, "saie-warmup").map((d) => `${d.role}/${d.kind}/${d.iteration}`)).toEqual(["learner/warmup/1"]);
    // Evaluations: alone and in debate, every iteration; iteration 0 (the untrained learner) equal for all.
    for (const m of ["saie", "saie-supportive", "saie-adversarial", "saie-sft"]) {
      for (const l of [0, 1, 2]) {
        expect(metric(db, m, l, "accuracy"), `${m} it${l}`).toBeTypeOf("number");
        expect(metric(db, `${m}+debate`, l, "accuracy"), `${m}+debate it${l}`).toBeTypeOf("number");
      }
      expect(metric(db, m, 0, "accuracy")).toBe(metric(db, "saie", 0, "accuracy"));
    }
    const alone = turnsOf(db, "saie", 1, "test");
    expect(new Set(alone.map((t) => t.round))).toEqual(new Set([1])); // one answer per question
    expect(alone).toHaveLength(5);
    expect(new Set(turnsOf(db, "saie+debate", 1, "test").map((t) => `${t.role}:${t.agentIndex}:${t.round}`)).size).toBe(4); // 2 agents × 2 rounds
    expect(db.prepare("select count(*) n from debates where method in ('saie', 'saie-sft') and iteration = 0").get()).toEqual({ n: 0 }); // shared under saie-base / base
    db.close();

    // Resume after the end: nothing is generated or trained twice.
    const again = await runFake(config, { dir: run.dir });
    expect([again.backend.generated.length, again.trainer.requests.length]).toEqual([0, 0]);
  });

  it("a run killed in the discussion phase resumes there: the warm-up is not redone", async () => {
    const one = fakeConfig({ ...config, methods: ["saie"], iterations: 1 } as never);
    const crashed = await runFake(one, { failGenerateAt: 40 });
    expect(crashed.error?.message).toBe("fake backend: connection lost");
    expect(crashed.trainer.requests.map((r) => r.outPath.split("/models/")[1])).toEqual(["saie-warmup/learner0-it1.gguf"]);
    const resumed = await runFake(one, { dir: crashed.dir });
    expect(resumed.error).toBeUndefined();
    expect(resumed.trainer.requests.map((r) => r.outPath.split("/models/")[1])).toEqual(["saie/learner0-it1.gguf"]);
  });

  it('reference "majority": no warm-up, the learner trains on its own replies that agree with the partner\'s vote', async () => {
    const maj = fakeConfig({
      ...config,
      methods: ["saie"],
      iterations: 1,
      saie: { rounds: 1, reference: "majority", reference_votes: 3 },
    } as never);
    const run = await runFake(maj);
    expect(run.error).toBeUndefined();
    expect(run.trainer.requests.some((r) => r.outPath.includes("saie-warmup"))).toBe(false);
    const db = openDb(run.dbPath);
    const ballots = db.prepare("select count(*) n from turns where node like 'reference.%'").get() as { n: number };
    expect(ballots.n).toBe(8 * 3);
    const [set] = datasetsOf(db, "saie");
    expect(set!.rows.length).toBeGreaterThan(0);
    expect(set!.rows.length).toBeLessThan(8 * 2); // only the replies that agree with the vote
    for (const row of set!.rows) expect(row.messages.at(-1)!.content.startsWith("<<base>>")).toBe(true); // its own words, not a gold solution
    db.close();
    const cfg = fakeConfig({ ...config, methods: ["saie-sft"], saie: { reference: "majority" } } as never);
    expect((await runFake(cfg)).error?.message).toMatch(/saie-sft trains on gold solutions/);
  });
});
