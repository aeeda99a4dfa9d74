/**
 * SAIE's discussion through the turn engine, on a real SQLite store with a scripted learner and a
 * scripted partner (the partner says exactly the claim its prompt gives it; the learner answers from its
 * seed in round 1 and adopts the remark's answer after it, so what it reads shows in what it says):
 * who speaks when and what each reads, the remark kinds by share, the claims, the majority reference,
 * and resume after a crash mid-discussion.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Backend, ChatMessage, GenerateOptions } from "../../../src/backends/types.js";
import { rosterAgentIds, runMany, type Seat } from "../../../src/protocols/index.js";
import { SAIE_ROLES, saieProtocol, wrongClaim, type RemarkMeta, type SaieSettings } from "../../../src/protocols/saie/discussion.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { getTask, type Question } from "../../../src/tasks/index.js";
import { valueOf } from "../../../src/tasks/arithmetic.js";

const dir = mkdtempSync(join(tmpdir(), "saie-discussion-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const task = getTask("arithmetic", { maxValue: 3 });
const seats: Seat[] = SAIE_ROLES.map((role) => ({ role, index: 0, model: { base: `${role}.gguf` } }));
const goldOf = (prompt: string) => valueOf(/What is (\S+)\?/.exec(prompt)![1]!.split(/[-+*]/).map(Number));

/** Records who was asked what; `failAfter` makes later calls throw (a crash). */
function scripted(o: { failAfter?: number; ballot?: (seed: number) => number } = {}) {
  const calls: Array<{ who: string; chat: ChatMessage[] }> = [];
  const backend: Backend = {
    async generate(m, chat, opts: GenerateOptions) {
      if (calls.length >= (o.failAfter ?? Infinity)) throw new Error("backend down");
      const who = m.base.replace(".gguf", "");
      calls.push({ who, chat });
      const last = chat.at(-1)!.content;
      let text: string;
      const claim = /\(The answer is (\S+)\.\)/.exec(last)?.[1];
      if (who === "partner") text = claim !== undefined ? `partner backs \\boxed{${claim}}` : `ballot \\boxed{${o.ballot!(opts.seed)}}`;
      else if (last.startsWith("Other agents said")) text = `learner adopts \\boxed{${/\\boxed\{([^}]*)\}/.exec(last)![1]}}`;
      else text = `learner first \\boxed{${goldOf(last) + (opts.seed % 2)}}`; // right for even seeds, wrong for odd
      return { text, promptTokens: 5, completionTokens: 3, latencyMs: 1, finishReason: "stop" };
    },
    async score() {
      return { logprob: 0, tokens: 0 };
    },
    async close() {},
  };
  return { backend, calls };
}

async function setup(name: string, n = 4, split: "train" | "test" = "train") {
  const store = await openStore(join(dir, `${name}.db`));
  const qs: Question[] = await task.questions(split, { limit: n, seed: 1 });
  const rows = await store.questions.record(qs.map((q) => ({ task: q.task, split: q.split, qid: q.id, text: q.text, gold: q.gold })));
  const run = await store.runs.create({ name, methods: ["saie"], config: {}, seed: 5 });
  const agentIds = await rosterAgentIds(store, run.id, "saie", seats);
  const items = qs.map((q, i) => ({ question: q, storeQuestionId: rows[i]!.id }));
  return { store, run, items, agentIds };
}

const deps = (s: Awaited<ReturnType<typeof setup>>, backend: Backend) => ({
  backend,
  store: s.store,
  task,
  agentIds: s.agentIds,
  scope: { runId: s.run.id, method: "saie", iteration: 1, phase: "train" as const },
  sampling: { temperature: 1, topP: 0.9, maxTokens: 16 },
  runSeed: 5,
  seedScope: "saie/train/it1",
});

const settings = (o: Partial<SaieSettings> = {}): SaieSettings => ({ rounds: 2, supportiveShare: 0.5, reference: "gold", ...o });

async function turnsOf(store: Store, runId: string, agentIds: Map<string, string>) {
  const role = new Map([...agentIds].map(([label, id]) => [id, label.split(":")[0]!]));
  const units = await store.debates.list({ runId });
  return Promise.all(
    units.map(async (u) => ({ unit: u, turns: (await store.turns.list(u.id)).map((t) => ({ ...t, role: role.get(t.agentId)! })) })),
  );
}

describe("SAIE discussion protocol", () => {
  it("the learner answers, then each round the partner remarks on its latest answer and the learner replies reading the whole discussion", async () => {
    const s = await setup("order", 1);
    const { backend, calls } = scripted();
    const [out] = await runMany(saieProtocol(settings({ rounds: 3 })), s.items, seats, deps(s, backend), { concurrency: 1 });
    expect(calls.map((c) => c.who)).toEqual(["learner", "partner", "learner", "partner", "learner", "partner", "learner"]);
    const [{ unit, turns }] = await turnsOf(s.store, s.run.id, s.agentIds);
    expect(unit!.protocol).toBe("saie");
    const at = (role: string, round: number) => turns.find((t) => t.role === role && t.round === round)!;
    expect(turns.map((t) => `${t.role}:${t.round}`).sort()).toEqual([
      "learner:1",
      "learner:2",
      "learner:3",
      "learner:4",
      "partner:1",
      "partner:2",
      "partner:3",
    ]);
    for (let r = 1; r <= 3; r++) {
      const remark = at("partner", r),
        before = at("learner", r),
        after = at("learner", r + 1);
      expect(remark.parentId).toBe(before.id);
      expect(after.parentId).toBe(remark.id);
      // The partner reads the question, and the claim; the learner's reply chat is the discussion so far.
      expect(remark.prompt).toHaveLength(1);
      expect(remark.prompt[0]!.content).toContain(s.items[0]!.question.text);
      expect(after.prompt.slice(0, -2)).toEqual(before.prompt);
      expect(after.prompt.at(-2)).toEqual({ role: "assistant", content: before.completion });
      expect(after.prompt.at(-1)!.content).toContain(remark.completion);
      expect((remark.meta as RemarkMeta).reference).toBe(s.items[0]!.question.gold);
    }
    expect(at("learner", 1).prompt).toEqual([{ role: "user", content: `What is ${s.items[0]!.question.text}? Answer in \\boxed{}.` }]);
    // The discussion's answer is the learner's last (it adopted the last remark's claim).
    expect(out!.finalAnswer).toBe((at("partner", 3).meta as RemarkMeta).claim);
    expect(out!.votes).toEqual({ [out!.finalAnswer!]: 1 });
    await s.store.close();
  });

  it("share 1: every remark backs the gold answer; share 0: every remark argues for a wrong one (the learner's own mistake when it made one)", async () => {
    for (const share of [1, 0]) {
      const s = await setup(`share${share}`, 8);
      await runMany(saieProtocol(settings({ supportiveShare: share })), s.items, seats, deps(s, scripted().backend), { concurrency: 4 });
      for (const { unit, turns } of await turnsOf(s.store, s.run.id, s.agentIds)) {
        const gold = s.items.find((i) => i.storeQuestionId === unit.questionId)!.question.gold;
        for (const remark of turns.filter((t) => t.role === "partner")) {
          const m = remark.meta as RemarkMeta;
          expect(m.remark).toBe(share === 1 ? "supportive" : "adversarial");
          if (share === 1) expect(m.claim).toBe(gold);
          else {
            expect(task.canonical(m.claim)).not.toBe(task.canonical(gold));
            const learner = turns.find((t) => t.role === "learner" && t.round === remark.round)!;
            if (!task.grade(learner.parsedAnswer, gold)) expect(m.claim).toBe(learner.parsedAnswer); // it backs the learner's mistake
          }
        }
      }
      await s.store.close();
    }
  });

  it("share 0.5 mixes both kinds by a seeded draw per (question, round), coupled across shares", async () => {
    const kinds = async (share: number) => {
      const s = await setup(`mix${share}`, 12);
      await runMany(saieProtocol(settings({ supportiveShare: share })), s.items, seats, deps(s, scripted().backend), { concurrency: 4 });
      const out = new Map<string, string>();
      for (const { unit, turns } of await turnsOf(s.store, s.run.id, s.agentIds)) {
        const qid = s.items.find((i) => i.storeQuestionId === unit.questionId)!.question.id;
        for (const t of turns.filter((x) => x.role === "partner")) out.set(`${qid}/${t.round}`, (t.meta as RemarkMeta).remark);
      }
      await s.store.close();
      return out;
    };
    const half = await kinds(0.5),
      more = await kinds(0.8);
    const count = (m: Map<string, string>) => [...m.values()].filter((k) => k === "supportive").length;
    expect(half.size).toBe(24);
    expect(count(half)).toBeGreaterThan(0);
    expect(count(half)).toBeLessThan(24);
    // A remark supportive at share 0.5 is supportive at 0.8 too (one draw u < share decides both).
    for (const [k, v] of half) if (v === "supportive") expect(more.get(k)).toBe("supportive");
    expect(count(more)).toBeGreaterThanOrEqual(count(half));
  });

  it('reference "majority": the partner votes first (nodes reference.i) and the remarks support or attack that vote, not the gold', async () => {
    const s = await setup("majority", 3);
    const { backend, calls } = scripted({ ballot: () => 99 }); // every ballot says 99: no gold with operands ≤ 3 is (the largest is 3+3*3+3 = 15)
    await runMany(
      saieProtocol(settings({ reference: "majority", referenceVotes: 3, supportiveShare: 1, rounds: 1 })),
      s.items,
      seats,
      deps(s, backend),
      { concurrency: 1 },
    );
    expect(calls.slice(0, 4).map((c) => c.who)).toEqual(["partner", "partner", "partner", "learner"]);
    for (const { turns } of await turnsOf(s.store, s.run.id, s.agentIds)) {
      const ballots = turns.filter((t) => t.node.startsWith("reference."));
      expect(ballots.map((t) => t.node).sort()).toEqual(["reference.0", "reference.1", "reference.2"]);
      const remark = turns.find((t) => t.role === "partner" && t.node === "")!;
      expect(remark.meta).toMatchObject({ remark: "supportive", claim: "99", reference: "99" });
    }
    expect(s.items.every((i) => i.question.gold !== "99")).toBe(true);
    await s.store.close();
  });

  it("resumes a discussion killed midway: only the missing turns are generated, with the same result", async () => {
    const whole = await setup("whole", 4);
    const w = scripted();
    const full = await runMany(saieProtocol(settings()), whole.items, seats, deps(whole, w.backend), { concurrency: 2 });
    expect(w.calls).toHaveLength(4 * 5);
    const cut = await setup("cut", 4);
    await expect(
      runMany(saieProtocol(settings()), cut.items, seats, deps(cut, scripted({ failAfter: 11 }).backend), { concurrency: 2 }),
    ).rejects.toThrow("backend down");
    const again = scripted();
    const resumed = await runMany(saieProtocol(settings()), cut.items, seats, deps(cut, again.backend), { concurrency: 2 });
    expect(again.calls).toHaveLength(20 - 11);
    expect(resumed.map((o) => o.finalAnswer)).toEqual(full.map((o) => o.finalAnswer));
    await whole.store.close();
    await cut.store.close();
  });

  it("wrong claims: the learner's wrong answer, else a distractor (another option label, or the number ± 1..3), never the reference", () => {
    const t = task;
    expect(wrongClaim(t, {}, "7", "5", 1)).toBe("5");
    for (let seed = 0; seed < 40; seed++) {
      const d = Number(wrongClaim(t, {}, "7", "7", seed));
      expect(d).not.toBe(7);
      expect(Math.abs(d - 7)).toBeLessThanOrEqual(3);
      expect(Number(wrongClaim(t, {}, "1", null, seed))).toBeGreaterThanOrEqual(0);
      expect(["A", "C", "D"]).toContain(
        wrongClaim({ canonical: (a) => a.toUpperCase() }, { meta: { labels: ["A", "B", "C", "D"] } }, "B", "b", seed),
      );
    }
    expect(wrongClaim({ canonical: (a) => a }, {}, "blue", null, 3)).toBe("not blue");
    expect(() => saieProtocol(settings({ rounds: 0 }))).toThrow(/rounds/);
    expect(() => saieProtocol(settings({ supportiveShare: 2 }))).toThrow(/supportiveShare/);
  });
  it("an aborted signal starts no further question: in-flight ones finish and are stored, then the call throws the reason", async () => {
    const s = await setup("abort", 4);
    const { backend } = scripted();
    const stop = new AbortController();
    const reason = new Error("lease lost");
    const run = runMany(saieProtocol(settings()), s.items, seats, deps(s, backend), {
      concurrency: 1,
      signal: stop.signal,
      onOutcome: () => stop.abort(reason),
    });
    await expect(run).rejects.toBe(reason);
    const units = await s.store.debates.list({ runId: s.run.id });
    expect(units).toHaveLength(1);
    expect(units[0]!.finalAnswer).not.toBeUndefined();
  });
});
