/**
 * The store's behaviour, written once and run against every dialect (sqlite.test.ts, pglite.test.ts,
 * postgres.test.ts). Each test makes its own run and question keys, so one open store serves them all.
 */
import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { hostname } from "node:os";
import {
  holdLease,
  LeaseHeldError,
  thisProcess,
  toChatJsonl,
  toPreferenceJsonl,
  type ChatMessage,
  type NewTurn,
  type Store,
} from "../../src/store/index.js";

export function storeContract(label: string, open: () => Promise<Store>): void {
  describe(`store contract: ${label}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    const newRun = (extra: { id?: string } = {}) =>
      store.runs.create({
        name: "t",
        methods: ["multiagent-ft", "debate"],
        config: { agents: 3, nested: { x: [1, 2] } },
        seed: 7,
        ...extra,
      });

    /** A run with one debate over a fresh question and two agents: the usual starting point. */
    async function scene() {
      const run = await newRun();
      const [q] = await store.questions.record([{ task: `t-${run.id}`, split: "test", qid: "1", text: "1+1?", gold: "2" }]);
      const g = await store.agents.getOrCreate({ runId: run.id, method: "m", role: "generator", agentIndex: 0 });
      const c = await store.agents.getOrCreate({ runId: run.id, method: "m", role: "critic", agentIndex: 0 });
      const debate = await store.debates.getOrCreate({ runId: run.id, method: "m", iteration: 0, phase: "train", questionId: q!.id });
      return { run, q: q!, g, c, debate };
    }

    const turn = (debateId: string, agentId: string, round: number, extra: Partial<NewTurn> = {}): NewTurn => ({
      debateId,
      agentId,
      round,
      prompt: [
        { role: "system", content: "Solve." },
        { role: "user", content: `round ${round}: 1+1? — ünïcødé ∑` },
      ],
      completion: "The answer is \\boxed{2}.",
      parsedAnswer: "2",
      parseStatus: "boxed",
      promptTokens: 12,
      completionTokens: 7,
      latencyMs: 40.4,
      seed: 1234,
      ...extra,
    });

    it("runs: create, get, list, setStatus; a duplicate id is a UserError", async () => {
      const id = `run-${randomUUID()}`;
      const run = await store.runs.create({ id, name: "named", methods: ["debate"], config: { a: [1, { b: null }] }, seed: 2 ** 40 + 3 });
      expect(run).toMatchObject({
        id,
        name: "named",
        methods: ["debate"],
        config: { a: [1, { b: null }] },
        seed: 2 ** 40 + 3,
        status: "created",
        error: null,
      });
      expect(run.createdAt).toBeInstanceOf(Date);
      expect(await store.runs.get(id)).toEqual(run);
      expect(await store.runs.get("no-such-run")).toBeUndefined();
      await expect(store.runs.create({ id, name: "again", methods: [], config: {}, seed: 1 })).rejects.toBeInstanceOf(UserError);

      const failed = await store.runs.setStatus(id, "failed", "boom");
      expect(failed).toMatchObject({ status: "failed", error: "boom" });
      expect(failed.updatedAt.getTime()).toBeGreaterThanOrEqual(run.updatedAt.getTime());
      expect((await store.runs.setStatus(id, "running", null)).error).toBeNull();
      await expect(store.runs.setStatus("no-such-run", "done")).rejects.toThrow();

      const other = await newRun();
      const running = await store.runs.list({ status: "running" });
      expect(running.map((r) => r.id)).toContain(id);
      expect(running.map((r) => r.id)).not.toContain(other.id);
      const all = await store.runs.list();
      expect(all.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < all.length; i++) expect(all[i - 1]!.createdAt.getTime()).toBeGreaterThanOrEqual(all[i]!.createdAt.getTime());
      expect(await store.runs.list({ limit: 1 })).toHaveLength(1);
    });

    it("iterations: start is get-or-create, finish, list", async () => {
      const run = await newRun();
      const k = { runId: run.id, method: "m", iteration: 1 };
      const a = await store.iterations.start(k);
      expect(a).toMatchObject({ ...k, status: "running", finishedAt: null });
      expect((await store.iterations.start(k)).id).toBe(a.id);
      await store.iterations.start({ ...k, iteration: 0 });
      const done = await store.iterations.finish(k);
      expect(done.status).toBe("done");
      expect(done.finishedAt).toBeInstanceOf(Date);
      expect((await store.iterations.start(k)).status).toBe("done"); // resume sees it finished
      expect((await store.iterations.list(run.id)).map((i) => i.iteration)).toEqual([0, 1]);
      expect(await store.iterations.get({ ...k, iteration: 9 })).toBeUndefined();
      await expect(store.iterations.finish({ ...k, iteration: 9 })).rejects.toThrow();
    });

    it("agents: get-or-create is idempotent; list puts generators first", async () => {
      const run = await newRun();
      const c1 = await store.agents.getOrCreate({ runId: run.id, method: "m", role: "critic", agentIndex: 1 });
      const g1 = await store.agents.getOrCreate({ runId: run.id, method: "m", role: "generator", agentIndex: 1 });
      const g0 = await store.agents.getOrCreate({ runId: run.id, method: "m", role: "generator", agentIndex: 0 });
      const again = await store.agents.getOrCreate({ runId: run.id, method: "m", role: "critic", agentIndex: 1 });
      expect(again).toEqual(c1);
      expect(await store.agents.get(g0.id)).toEqual(g0);
      expect((await store.agents.list(run.id)).map((a) => a.id)).toEqual([g0.id, g1.id, c1.id]);
      expect(await store.agents.list(run.id, "other")).toEqual([]);
    });

    it("model versions: insert (first write wins), latest, latest at an iteration, list", async () => {
      const { g } = await scene();
      const base = await store.modelVersions.insert({ agentId: g.id, iteration: 0, kind: "base", path: "/models/base.gguf", sha256: "aa" });
      const lora = await store.modelVersions.insert({
        agentId: g.id,
        iteration: 1,
        kind: "lora",
        path: "/runs/x/g0-l1.lora.gguf",
        sha256: "bb",
        parentId: base.id,
        meta: { rank: 8, alpha: 16 },
      });
      expect(lora).toMatchObject({ kind: "lora", parentId: base.id, meta: { rank: 8, alpha: 16 }, remoteId: null });
      const dup = await store.modelVersions.insert({ agentId: g.id, iteration: 1, kind: "lora", path: "/elsewhere" });
      expect(dup).toEqual(lora);
      expect((await store.modelVersions.latest(g.id))?.id).toBe(lora.id);
      expect((await store.modelVersions.latest(g.id, 0))?.id).toBe(base.id);
      expect(await store.modelVersions.latest(g.id, -1)).toBeUndefined();
      expect((await store.modelVersions.list(g.id)).map((v) => v.iteration)).toEqual([0, 1]);
      expect(await store.modelVersions.get(base.id)).toEqual(base);
      const remote = await store.modelVersions.insert({
        agentId: g.id,
        iteration: 2,
        kind: "remote",
        remoteId: "ft:gpt-x:org::abc",
        parentId: lora.id,
      });
      expect(remote.path).toBeNull();
      expect((await store.modelVersions.latest(g.id))?.remoteId).toBe("ft:gpt-x:org::abc");
    });

    it("questions: bulk record returns input order, reuses identical ones; JSON strings survive", async () => {
      const task = `q-${randomUUID()}`;
      const items = Array.from({ length: 1200 }, (_, i) => ({
        task,
        split: "train",
        qid: String(i),
        text: `q${i}`,
        gold: String(i * 2),
        meta: i === 5 ? "42" : { i },
      }));
      const stored = await store.questions.record(items);
      expect(stored).toHaveLength(1200);
      expect(stored.map((q) => q.qid)).toEqual(items.map((i) => i.qid));
      expect(stored[5]!.meta).toBe("42"); // a JSON string, not the number 42
      expect(stored[6]!.meta).toEqual({ i: 6 });
      expect(stored[6]!.contentSha256).toMatch(/^[0-9a-f]{64}$/);
      const again = await store.questions.record([items[7]!, { ...items[8]!, meta: "other" }, items[7]!]);
      expect(again.map((q) => q.id)).toEqual([stored[7]!.id, stored[8]!.id, stored[7]!.id]);
      expect(again[1]!.meta).toEqual({ i: 8 }); // first write wins
      expect(await store.questions.get(stored[0]!.id)).toMatchObject({ qid: "0" });
      expect(await store.questions.list(task, "train")).toHaveLength(1200);
      expect(await store.questions.list(task, "test")).toEqual([]);
      expect(await store.questions.record([])).toEqual([]);
    });

    it("questions: one qid with another text or gold is another question; the stored one never changes", async () => {
      const task = `q-${randomUUID()}`;
      // Two seeds of a generated task: the same qids, different expressions.
      const seed1 = [
        { task, split: "train", qid: "arith-train-0", text: "1+2", gold: "3" },
        { task, split: "train", qid: "arith-train-1", text: "2*2", gold: "4" },
      ];
      const seed2 = [
        { task, split: "train", qid: "arith-train-0", text: "5-1", gold: "4" },
        { task, split: "train", qid: "arith-train-1", text: "2*2", gold: "4" },
      ];
      const a = await store.questions.record(seed1);
      const b = await store.questions.record(seed2);
      expect(b[0]!.id).not.toBe(a[0]!.id);
      expect(b[1]!.id).toBe(a[1]!.id); // the same question
      expect(await store.questions.get(a[0]!.id)).toMatchObject({ text: "1+2", gold: "3" });
      expect(await store.questions.get(b[0]!.id)).toMatchObject({ text: "5-1", gold: "4" });
      expect((await store.questions.versions(task, "train", "arith-train-0")).map((q) => q.text)).toEqual(["1+2", "5-1"]);
      // A corrected gold is a new question too: what earlier runs were graded against stays.
      const fixed = await store.questions.record([{ ...seed1[0]!, gold: "4" }]);
      expect(fixed[0]!.id).not.toBe(a[0]!.id);
      expect(await store.questions.get(a[0]!.id)).toMatchObject({ gold: "3" });
    });

    it("questions: one batch giving a qid two contents is refused, nothing stored", async () => {
      const task = `q-${randomUUID()}`;
      await expect(
        store.questions.record([
          { task, split: "test", qid: "1", text: "1+1", gold: "2" },
          { task, split: "test", qid: "1", text: "1+1", gold: "3" },
        ]),
      ).rejects.toThrow(/question 1 is given twice with different gold/);
      expect(await store.questions.list(task, "test")).toEqual([]);
    });

    it("debates: get-or-create, list with filters, finish with votes and tie-break", async () => {
      const { run, q, debate } = await scene();
      expect(debate).toMatchObject({ status: "running", finalAnswer: null, votes: null, tieBreak: null, protocol: "debate" });
      const tree = await store.debates.getOrCreate({
        runId: run.id,
        method: "tree",
        iteration: 0,
        phase: "train",
        questionId: q.id,
        protocol: "malt",
      });
      expect(tree.protocol).toBe("malt");
      const same = await store.debates.getOrCreate({ runId: run.id, method: "m", iteration: 0, phase: "train", questionId: q.id });
      expect(same.id).toBe(debate.id);
      const test = await store.debates.getOrCreate({ runId: run.id, method: "m", iteration: 0, phase: "test", questionId: q.id });
      expect(test.id).not.toBe(debate.id);

      const done = await store.debates.finish(debate.id, {
        finalAnswer: "2",
        votes: { "2": 2, "3": 2 },
        tieBreak: { candidates: ["2", "3"], chosen: "2", rule: "seeded-random", seed: 99 },
      });
      expect(done).toMatchObject({ status: "done", finalAnswer: "2", votes: { "2": 2, "3": 2 }, tieBreak: { chosen: "2", seed: 99 } });
      expect(done.finishedAt).toBeInstanceOf(Date);
      expect(await store.debates.get(debate.id)).toEqual(done);
      expect((await store.debates.list({ runId: run.id, method: "m" })).map((d) => d.id)).toEqual([debate.id, test.id]);
      expect((await store.debates.list({ runId: run.id, phase: "test" })).map((d) => d.id)).toEqual([test.id]);
      expect((await store.debates.list({ runId: run.id, status: "done" })).map((d) => d.id)).toEqual([debate.id]);
      expect(await store.debates.list({ runId: run.id, iteration: 3 })).toEqual([]);
      await expect(store.debates.finish("no-such-debate", { finalAnswer: null, votes: {} })).rejects.toThrow();
    });

    it("turns: insert round-trips every field; the same (debate, agent, round) twice yields one row", async () => {
      const { run, g, c, debate } = await scene();
      const first = await store.turns.insert(turn(debate.id, g.id, 0, { meta: { logprob: -1.5 } }));
      expect(first).toMatchObject({ ...turn(debate.id, g.id, 0), latencyMs: 40, meta: { logprob: -1.5 }, modelVersionId: null });
      const dup = await store.turns.insert(turn(debate.id, g.id, 0, { completion: "something else", parsedAnswer: "3" }));
      expect(dup).toEqual(first);
      expect(await store.turns.list(debate.id)).toHaveLength(1);

      // Stored order is by round, then generators before critics, whatever the insert order.
      const c1 = await store.turns.insert(turn(debate.id, c.id, 1, { parsedAnswer: null, parseStatus: "unparsed" }));
      const c0 = await store.turns.insert(turn(debate.id, c.id, 0, { parseStatus: "hash" }));
      const g1 = await store.turns.insert(turn(debate.id, g.id, 1, { parseStatus: "fallback" }));
      expect((await store.turns.list(debate.id)).map((t) => t.id)).toEqual([first.id, c0.id, g1.id, c1.id]);
      expect(c1.parsedAnswer).toBeNull();
      expect(await store.turns.get(c0.id)).toEqual(c0);

      const other = await store.debates.getOrCreate({
        runId: run.id,
        method: "m",
        iteration: 0,
        phase: "test",
        questionId: debate.questionId,
      });
      const o = await store.turns.insert(turn(other.id, g.id, 0));
      expect((await store.turns.listFor({ runId: run.id, method: "m", iteration: 0, phase: "train" })).map((t) => t.id)).toEqual([
        first.id,
        c0.id,
        g1.id,
        c1.id,
      ]);
      expect((await store.turns.listFor({ runId: run.id, method: "m", iteration: 0, phase: "test" })).map((t) => t.id)).toEqual([o.id]);
    });

    it("foreign keys are enforced", async () => {
      const { g } = await scene();
      await expect(store.turns.insert(turn("no-such-debate", g.id, 0))).rejects.toThrow();
      await expect(store.agents.getOrCreate({ runId: "no-such-run", method: "m", role: "single", agentIndex: 0 })).rejects.toThrow();
    });

    it("datasets: created with all rows at once, hashed as chat JSONL, idempotent on the key", async () => {
      const { run, g, c, debate } = await scene();
      const t0 = await store.turns.insert(turn(debate.id, g.id, 0));
      const t1 = await store.turns.insert(turn(debate.id, c.id, 0));
      const msgs = (i: number): ChatMessage[] => [
        { role: "user", content: `q${i} — ✓` },
        { role: "assistant", content: `a${i}` },
      ];
      const rows = Array.from({ length: 1100 }, (_, i) => ({ sourceTurnIds: i % 2 ? [t0.id, t1.id] : [t0.id], messages: msgs(i) }));
      const key = { runId: run.id, method: "m", agentId: g.id, iteration: 1, kind: "G" };
      const ds = await store.datasets.create(key, rows);
      expect(ds).toMatchObject({ ...key, rowCount: 1100 });
      expect(ds.sha256).toBe(createHash("sha256").update(toChatJsonl(rows)).digest("hex"));
      expect(toChatJsonl(rows.slice(0, 1))).toBe(`{"messages":[{"role":"user","content":"q0 — ✓"},{"role":"assistant","content":"a0"}]}\n`);

      const stored = await store.datasets.rows(ds.id);
      expect(stored).toHaveLength(1100);
      expect(stored.map((r) => r.rowIndex)).toEqual(rows.map((_, i) => i));
      expect(stored[3]).toEqual({
        datasetId: ds.id,
        rowIndex: 3,
        sourceTurnIds: [t0.id, t1.id],
        messages: msgs(3),
        chosen: null,
        rejected: null,
        refChosenLogp: null,
        refRejectedLogp: null,
      });
      expect(ds.format).toBe("chat");

      const again = await store.datasets.create(key, rows.slice(0, 2));
      expect(again).toEqual(ds);
      expect(await store.datasets.rows(ds.id)).toHaveLength(1100);

      const cMinus = await store.datasets.create({ ...key, agentId: c.id, kind: "C-" }, []);
      expect(cMinus.rowCount).toBe(0);
      expect(await store.datasets.find(key)).toEqual(ds);
      expect(await store.datasets.get(cMinus.id)).toEqual(cMinus);
      expect((await store.datasets.list({ runId: run.id })).map((d) => d.id)).toEqual([ds.id, cMinus.id]);
      expect((await store.datasets.list({ runId: run.id, agentId: c.id })).map((d) => d.id)).toEqual([cMinus.id]);
      expect(await store.datasets.list({ runId: run.id, iteration: 2 })).toEqual([]);
    });

    it("datasets: preference pairs keep prompt, replies and reference log-probs; hashed as preference JSONL", async () => {
      const { run, g, debate } = await scene();
      const t0 = await store.turns.insert(turn(debate.id, g.id, 0));
      const prompt: ChatMessage[] = [{ role: "user", content: "1+1? ✓" }];
      const rows = [
        {
          sourceTurnIds: [t0.id, t0.id],
          messages: prompt,
          chosen: [{ role: "assistant" as const, content: "2" }],
          rejected: [{ role: "assistant" as const, content: "3" }],
          refChosenLogp: -1.25,
          refRejectedLogp: -7.5,
        },
        {
          sourceTurnIds: [t0.id],
          messages: prompt,
          chosen: [{ role: "assistant" as const, content: "\\boxed{2}" }],
          rejected: [{ role: "assistant" as const, content: "4" }],
        },
      ];
      const key = { runId: run.id, method: "m", agentId: g.id, iteration: 1, kind: "V-pairs" };
      const ds = await store.datasets.create(key, rows);
      expect(ds).toMatchObject({ format: "preference", rowCount: 2 });
      const line = `{"input":{"messages":[{"role":"user","content":"1+1? ✓"}]},"preferred_output":[{"role":"assistant","content":"2"}],"non_preferred_output":[{"role":"assistant","content":"3"}]}\n`;
      expect(toPreferenceJsonl(rows.slice(0, 1))).toBe(line);
      expect(ds.sha256).toBe(createHash("sha256").update(toPreferenceJsonl(rows)).digest("hex"));
      const stored = await store.datasets.rows(ds.id);
      expect(stored[0]).toMatchObject({
        messages: prompt,
        chosen: rows[0]!.chosen,
        rejected: rows[0]!.rejected,
        refChosenLogp: -1.25,
        refRejectedLogp: -7.5,
      });
      expect(stored[1]).toMatchObject({ refChosenLogp: null, refRejectedLogp: null });
      await expect(
        store.datasets.create({ ...key, kind: "mixed-up" }, [rows[0]!, { sourceTurnIds: [], messages: prompt }]),
      ).rejects.toThrow(/mixes/);
      expect(await store.datasets.find({ ...key, kind: "mixed-up" })).toBeUndefined();
    });

    it("turns: tree nodes share (debate, agent, round) and differ by node; a child names its parent", async () => {
      const { g, c, debate } = await scene();
      const root = await store.turns.insert(turn(debate.id, g.id, 1, { node: "0" }));
      const kids = [];
      for (const node of ["0.1", "0.0"]) kids.push(await store.turns.insert(turn(debate.id, c.id, 2, { node, parentId: root.id })));
      expect(root).toMatchObject({ node: "0", parentId: null });
      expect(kids[0]).toMatchObject({ node: "0.1", parentId: root.id });
      expect(await store.turns.insert(turn(debate.id, c.id, 2, { node: "0.1", completion: "again" }))).toEqual(kids[0]);
      expect((await store.turns.list(debate.id)).map((t) => t.node)).toEqual(["0", "0.0", "0.1"]);
      const plain = await store.turns.insert(turn(debate.id, g.id, 1));
      expect(plain.node).toBe("");
      await expect(store.turns.insert(turn(debate.id, c.id, 3, { node: "x", parentId: "no-such-turn" }))).rejects.toThrow();
    });

    it("datasets: a row that fails midway leaves neither the dataset nor any row", async () => {
      const { run, g } = await scene();
      const rows = Array.from({ length: 800 }, (_, i) => ({ sourceTurnIds: [], messages: [{ role: "user" as const, content: `r${i}` }] }));
      (rows[700] as { sourceTurnIds: unknown }).sourceTurnIds = undefined; // NOT NULL violation in the second insert chunk
      const key = { runId: run.id, method: "m", agentId: g.id, iteration: 1, kind: "G" };
      await expect(store.datasets.create(key, rows)).rejects.toThrow();
      expect(await store.datasets.find(key)).toBeUndefined();
      expect(await store.datasets.list({ runId: run.id })).toEqual([]);
      // The key is free again: a retry stores the full set.
      rows[700] = { sourceTurnIds: [], messages: [{ role: "user", content: "r700" }] };
      expect((await store.datasets.create(key, rows)).rowCount).toBe(800);
    });

    it("training jobs: create, update stamps times, get by remote id, latest attempt, list", async () => {
      const { run, g } = await scene();
      const ds = await store.datasets.create({ runId: run.id, method: "m", agentId: g.id, iteration: 1, kind: "G" }, []);
      const job = await store.trainingJobs.create({
        runId: run.id,
        agentId: g.id,
        iteration: 1,
        trainer: "local",
        datasetId: ds.id,
        config: { lr: 1e-4, rank: 8 },
      });
      expect(job).toMatchObject({ status: "queued", startedAt: null, finishedAt: null, config: { lr: 1e-4, rank: 8 }, lossCurve: null });
      const running = await store.trainingJobs.update(job.id, { status: "running" });
      expect(running.startedAt).toBeInstanceOf(Date);
      const curve = [
        { step: 1, loss: 2.5 },
        { step: 2, loss: 1.75, evalLoss: 1.9 },
      ];
      const mv = await store.modelVersions.insert({ agentId: g.id, iteration: 1, kind: "lora", path: "/x.gguf" });
      const ok = await store.trainingJobs.update(job.id, { status: "succeeded", lossCurve: curve, outputModelVersionId: mv.id });
      expect(ok).toMatchObject({ status: "succeeded", lossCurve: curve, outputModelVersionId: mv.id, error: null, datasetId: ds.id });
      expect(ok.startedAt).toEqual(running.startedAt);
      expect(ok.finishedAt).toBeInstanceOf(Date);
      expect(await store.trainingJobs.get(job.id)).toEqual(ok);

      const remoteId = `ftjob-${randomUUID()}`;
      const remote = await store.trainingJobs.create({
        runId: run.id,
        agentId: g.id,
        iteration: 2,
        trainer: "openai",
        remoteJobId: remoteId,
        status: "running",
      });
      expect(remote.startedAt).toBeInstanceOf(Date);
      expect((await store.trainingJobs.getByRemoteId(remoteId))?.id).toBe(remote.id);
      expect(await store.trainingJobs.getByRemoteId("nope")).toBeUndefined();
      const failed = await store.trainingJobs.update(remote.id, { status: "failed", error: "quota" });
      expect(failed).toMatchObject({ status: "failed", error: "quota", remoteJobId: remoteId });
      const retry = await store.trainingJobs.create({ runId: run.id, agentId: g.id, iteration: 2, trainer: "openai" });
      expect((await store.trainingJobs.latest(g.id, 2))?.id).toBe(retry.id);
      expect(await store.trainingJobs.latest(g.id, 5)).toBeUndefined();
      expect((await store.trainingJobs.list({ runId: run.id })).map((j) => j.id)).toEqual([job.id, remote.id, retry.id]);
      expect((await store.trainingJobs.list({ runId: run.id, status: "failed" })).map((j) => j.id)).toEqual([remote.id]);
      await expect(store.trainingJobs.update("no-such-job", { status: "running" })).rejects.toThrow();
    });

    it("training jobs: abandonUnfinished marks a run's queued/running attempts abandoned, leaves finished ones and other runs", async () => {
      const { run, g } = await scene();
      const other = await scene();
      const done = await store.trainingJobs.create({ runId: run.id, agentId: g.id, iteration: 1, trainer: "local", status: "running" });
      await store.trainingJobs.update(done.id, { status: "succeeded" });
      const stale = await store.trainingJobs.create({ runId: run.id, agentId: g.id, iteration: 2, trainer: "local", status: "running" });
      const queued = await store.trainingJobs.create({ runId: run.id, agentId: g.id, iteration: 2, trainer: "openai" });
      const elsewhere = await store.trainingJobs.create({
        runId: other.run.id,
        agentId: other.g.id,
        iteration: 1,
        trainer: "local",
        status: "running",
      });
      const gone = await store.trainingJobs.abandonUnfinished(run.id, "superseded on resume");
      expect(gone.map((j) => j.id).sort()).toEqual([stale.id, queued.id].sort());
      expect(await store.trainingJobs.get(stale.id)).toMatchObject({ status: "abandoned", error: "superseded on resume" });
      expect((await store.trainingJobs.get(stale.id))!.finishedAt).toBeInstanceOf(Date);
      expect((await store.trainingJobs.get(done.id))!.status).toBe("succeeded");
      expect((await store.trainingJobs.get(elsewhere.id))!.status).toBe("running");
      expect(await store.trainingJobs.abandonUnfinished(run.id, "again")).toEqual([]);
    });

    describe("leases", () => {
      const key = () => `run:${randomUUID()}`;
      const elsewhere = { host: `other-host-${randomUUID()}`, pid: 4242, meta: { command: "society run x.yaml" } };

      it("the first holder gets it; another is told who holds it; release frees it", async () => {
        const k = key();
        const a = await store.leases.acquire(k, elsewhere, 60_000);
        expect(a.acquired).toBe(true);
        const b = await store.leases.acquire(k, thisProcess(), 60_000);
        expect(b).toMatchObject({
          acquired: false,
          holder: { key: k, host: elsewhere.host, pid: 4242, meta: { command: "society run x.yaml" } },
        });
        expect(a.acquired && (await store.leases.release(k, a.lease.token))).toBe(true);
        expect(await store.leases.get(k)).toBeUndefined();
        expect((await store.leases.acquire(k, thisProcess(), 60_000)).acquired).toBe(true);
      });

      it("an expired lease (its holder stopped renewing) is taken over; the old holder can neither renew nor release it", async () => {
        const k = key();
        const a = await store.leases.acquire(k, elsewhere, 30);
        await new Promise((r) => setTimeout(r, 60));
        const b = await store.leases.acquire(k, thisProcess(), 60_000);
        expect(b).toMatchObject({ acquired: true, tookOver: { host: elsewhere.host, pid: 4242 } });
        expect(a.acquired && (await store.leases.renew(k, a.lease.token, 60_000))).toBe(false);
        expect(a.acquired && (await store.leases.release(k, a.lease.token))).toBe(false);
        expect((await store.leases.get(k))?.pid).toBe(process.pid);
      });

      it("a lease of a dead process on this host is free at once; a live one's is not", async () => {
        const k = key();
        await store.leases.acquire(k, { host: hostname(), pid: 2 ** 31 - 2 }, 600_000); // no such pid
        expect(await store.leases.acquire(k, thisProcess(), 60_000)).toMatchObject({ acquired: true, tookOver: { pid: 2 ** 31 - 2 } });
        const live = key();
        await store.leases.acquire(live, { host: hostname(), pid: process.ppid }, 600_000);
        expect(await store.leases.acquire(live, thisProcess(), 60_000)).toMatchObject({ acquired: false, holder: { pid: process.ppid } });
      });

      it("two takers of one stale lease: exactly one wins", async () => {
        const k = key();
        await store.leases.acquire(k, elsewhere, 1);
        await new Promise((r) => setTimeout(r, 20));
        const got = await Promise.all([1, 2, 3].map((i) => store.leases.acquire(k, { host: `taker-${i}`, pid: i }, 60_000)));
        expect(got.filter((g) => g.acquired)).toHaveLength(1);
        const winner = got.find((g) => g.acquired)!;
        for (const g of got.filter((g) => !g.acquired))
          expect(g).toMatchObject({ holder: { token: winner.acquired && winner.lease.token } });
      });

      it("holdLease: heartbeats keep it, a second holder gets LeaseHeldError naming pid, host and since, release frees it", async () => {
        const k = key();
        const held = await holdLease(store.leases, k, { what: "run r1", ttlMs: 200 });
        await new Promise((r) => setTimeout(r, 450)); // past the TTL: only the heartbeat keeps it
        const now = await store.leases.get(k);
        expect(now!.renewedAt.getTime()).toBeGreaterThan(held.lease.acquiredAt.getTime());
        expect(now!.expiresAt.getTime()).toBeGreaterThan(Date.now());
        const fromElsewhere = await store.leases.acquire(k, elsewhere, 200);
        expect(fromElsewhere.acquired).toBe(false);
        expect(held.signal.aborted).toBe(false);
        await held.release();
        expect(await store.leases.get(k)).toBeUndefined();
        const other = await store.leases.acquire(k, elsewhere, 60_000);
        expect(other.acquired).toBe(true);
        const err = await holdLease(store.leases, k, { what: "run r1" }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(LeaseHeldError);
        expect(String((err as Error).message)).toMatch(
          new RegExp(
            `^run r1 is already in progress: held by pid 4242 on host ${elsewhere.host} since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(society run x\\.yaml\\)`,
          ),
        );
      });

      it("holdLease: a holder whose lease was taken over is told (signal aborted)", async () => {
        const k = key();
        const held = await holdLease(store.leases, k, { what: "run r2", ttlMs: 120 });
        // Another process takes it while this one's beats are late (simulated: released behind its back, then taken).
        await store.leases.release(k, held.lease.token);
        await store.leases.acquire(k, elsewhere, 60_000);
        await new Promise((r) => setTimeout(r, 200));
        expect(held.signal.aborted).toBe(true);
        await held.release();
        expect((await store.leases.get(k))?.host).toBe(elsewhere.host); // not released by the loser
        expect((await store.leases.list("run:")).some((l) => l.key === k)).toBe(true);
      });
    });

    it("metrics: a set is written at once, recomputing replaces it, NaN is refused", async () => {
      const run = await newRun();
      const base = { runId: run.id, method: "debate", iteration: 0 };
      const put = await store.metrics.put([
        { ...base, name: "accuracy", scope: "run", value: 0.5, extra: { n: 10 } },
        { ...base, name: "accuracy", scope: "agent:a", value: 0.25 },
        { ...base, iteration: 1, name: "accuracy", scope: "run", value: 0.75 },
      ]);
      expect(put.map((m) => m.value)).toEqual([0.5, 0.25, 0.75]);
      expect(put[0]!.extra).toEqual({ n: 10 });
      const re = await store.metrics.put([{ ...base, name: "accuracy", scope: "run", value: 0.625 }]);
      expect(re[0]).toMatchObject({ id: put[0]!.id, value: 0.625, extra: null });
      expect((await store.metrics.list({ runId: run.id })).map((m) => [m.iteration, m.scope, m.value])).toEqual([
        [0, "agent:a", 0.25],
        [0, "run", 0.625],
        [1, "run", 0.75],
      ]);
      expect(await store.metrics.list({ runId: run.id, iteration: 1, name: "accuracy", scope: "run", method: "debate" })).toHaveLength(1);
      await expect(store.metrics.put([{ ...base, name: "kl", scope: "run", value: NaN }])).rejects.toThrow(/non-finite/);
      // One bad row (unknown run) fails the whole set.
      await expect(
        store.metrics.put([
          { ...base, name: "consensus", scope: "run", value: 1 },
          { ...base, runId: "no-such-run", name: "consensus", scope: "run", value: 1 },
        ]),
      ).rejects.toThrow();
      expect(await store.metrics.list({ runId: run.id, name: "consensus" })).toEqual([]);
    });

    it("units: mark done once, is-done, get, list by prefix", async () => {
      const run = await newRun();
      expect(await store.units.isDone(run.id, "m/l1/train/agent:0")).toBe(false);
      expect(await store.units.get(run.id, "m/l1/train/agent:0")).toBeUndefined();
      const u = await store.units.markDone(run.id, "m/l1/train/agent:0", { modelVersionId: "mv1" });
      expect(u).toMatchObject({ runId: run.id, key: "m/l1/train/agent:0", status: "done", result: { modelVersionId: "mv1" } });
      expect(u.finishedAt).toBeInstanceOf(Date);
      expect(await store.units.markDone(run.id, "m/l1/train/agent:0", { modelVersionId: "other" })).toEqual(u);
      expect(await store.units.isDone(run.id, "m/l1/train/agent:0")).toBe(true);
      await store.units.markDone(run.id, "m/l1/eval", "42");
      await store.units.markDone(run.id, "m/l2/eval");
      expect((await store.units.get(run.id, "m/l1/eval"))?.result).toBe("42");
      expect((await store.units.get(run.id, "m/l2/eval"))?.result).toBeNull();
      expect((await store.units.list(run.id, "m/l1/")).map((x) => x.key)).toEqual(["m/l1/eval", "m/l1/train/agent:0"]);
      expect(await store.units.list(run.id)).toHaveLength(3);
      expect(await store.units.isDone((await newRun()).id, "m/l1/eval")).toBe(false);
    });

    it("transaction: a throw midway leaves no rows from any repository", async () => {
      const { run, g, debate } = await scene();
      await expect(
        store.transaction(async () => {
          await store.turns.insert(turn(debate.id, g.id, 0));
          await store.modelVersions.insert({ agentId: g.id, iteration: 1, kind: "lora", path: "/p" });
          await store.transaction(async () => {
            // nested: joins the outer transaction
            await store.units.markDone(run.id, "unit-a");
          });
          await store.metrics.put([{ runId: run.id, method: "m", iteration: 1, name: "acc", scope: "run", value: 1 }]);
          throw new Error("crash after the writes");
        }),
      ).rejects.toThrow("crash after the writes");
      expect(await store.turns.list(debate.id)).toEqual([]);
      expect(await store.modelVersions.list(g.id)).toEqual([]);
      expect(await store.units.isDone(run.id, "unit-a")).toBe(false);
      expect(await store.metrics.list({ runId: run.id })).toEqual([]);

      const result = await store.transaction(async () => {
        const t = await store.turns.insert(turn(debate.id, g.id, 0));
        await store.units.markDone(run.id, "unit-a", { turnId: t.id });
        return t.id;
      });
      expect((await store.units.get(run.id, "unit-a"))?.result).toEqual({ turnId: result });
      expect((await store.turns.list(debate.id)).map((t) => t.id)).toEqual([result]);
    });

    it("transaction: a unit that fails inside a larger transaction is undone alone; parallel units inside one work", async () => {
      const { run, g, c, debate } = await scene();
      const bad = Array.from({ length: 600 }, (_, i) => ({ sourceTurnIds: [], messages: [{ role: "user" as const, content: `r${i}` }] }));
      (bad[550] as { sourceTurnIds: unknown }).sourceTurnIds = undefined; // fails in the second insert chunk
      const key = { runId: run.id, method: "m", agentId: g.id, iteration: 1, kind: "G" };
      const outcome = await store.transaction(async () => {
        await store.turns.insert(turn(debate.id, g.id, 0));
        const failed = await store.datasets.create(key, bad).then(
          () => "stored",
          () => "failed",
        );
        // Parallel writes inside one transaction (each a savepoint, taken one at a time).
        await Promise.all([1, 2, 3].map((round) => store.turns.insert(turn(debate.id, c.id, round))));
        await store.units.markDone(run.id, "after-failure");
        return failed;
      });
      expect(outcome).toBe("failed");
      expect(await store.datasets.find(key)).toBeUndefined();
      expect((await store.turns.list(debate.id)).map((t) => t.round)).toEqual([0, 1, 2, 3]);
      expect(await store.units.isDone(run.id, "after-failure")).toBe(true);
    });

    it("transaction: concurrent units each commit or roll back on their own", async () => {
      const { run, g, c, debate } = await scene();
      const agents = [g, c];
      const outcomes = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          store.transaction(async () => {
            const t = await store.turns.insert(turn(debate.id, agents[i % 2]!.id, Math.floor(i / 2)));
            await new Promise((r) => setTimeout(r, 1)); // let the other units interleave
            if (i % 3 === 2) throw new Error(`unit ${i} fails`);
            await store.units.markDone(run.id, `turn/${i}`, { turnId: t.id });
          }),
        ),
      );
      const ok = outcomes.map((o, i) => (o.status === "fulfilled" ? i : -1)).filter((i) => i >= 0);
      expect(ok).toEqual([0, 1, 3, 4, 6, 7, 9, 10]);
      expect(await store.turns.list(debate.id)).toHaveLength(ok.length);
      expect((await store.units.list(run.id, "turn/")).length).toBe(ok.length);
      for (const i of ok) {
        const unit = await store.units.get(run.id, `turn/${i}`);
        expect((await store.turns.get((unit!.result as { turnId: string }).turnId))?.round).toBe(Math.floor(i / 2));
      }
    });
  });
}
