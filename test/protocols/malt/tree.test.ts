/**
 * MALT's tree through the turn engine, on a real SQLite store with a scripted backend (the text depends
 * only on the seed and the prompt, as a sampling model's does): shape, node paths, parents, seeds,
 * prompts, the refiners' vote, and resume after a crash mid-tree.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Backend, ChatMessage, GenerateOptions } from "../../../src/backends/types.js";
import { rosterAgentIds, questionKey, runMany, type Seat } from "../../../src/protocols/index.js";
import { turnSeedV1 } from "../../../src/util/seed.js";
import { maltProtocol, MALT_ROLES } from "../../../src/protocols/malt/tree.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { getTask, type Question } from "../../../src/tasks/index.js";

const dir = mkdtempSync(join(tmpdir(), "malt-tree-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Replies "\boxed{n}" with n fixed by the seed and prompt; fails after `failAfter` calls when set. */
function scripted(failAfter = Infinity) {
  let calls = 0;
  const backend: Backend = {
    async generate(_m, chat: ChatMessage[], o: GenerateOptions) {
      if (++calls > failAfter) throw new Error("backend down");
      const h = [...(chat.at(-1)!.content + o.seed)].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 7);
      return { text: `step ${o.seed % 97} \\boxed{${h % 3}}`, promptTokens: 5, completionTokens: 3, latencyMs: 1, finishReason: "stop" };
    },
    async score() {
      return { logprob: 0, tokens: 0 };
    },
    async close() {},
  };
  return { backend, calls: () => calls };
}

const task = getTask("arithmetic", { maxValue: 3 });
const seats: Seat[] = MALT_ROLES.map((role) => ({ role, index: 0, model: { base: `${role}.gguf` } }));

async function setup(name: string) {
  const store = await openStore(join(dir, `${name}.db`));
  const qs: Question[] = await task.questions("train", { limit: 4, seed: 1 });
  const rows = await store.questions.record(qs.map((q) => ({ task: q.task, split: q.split, qid: q.id, text: q.text, gold: q.gold })));
  const run = await store.runs.create({ name, methods: ["malt"], config: {}, seed: 5 });
  const agentIds = await rosterAgentIds(store, run.id, "malt", seats);
  const items = qs.map((q, i) => ({ question: q, storeQuestionId: rows[i]!.id }));
  return { store, run, items, agentIds };
}

function deps(store: Store, runId: string, agentIds: Map<string, string>, backend: Backend) {
  return {
    backend,
    store,
    task,
    agentIds,
    scope: { runId, method: "malt", iteration: 0, phase: "train" as const },
    sampling: { temperature: 1, topP: 0.9, maxTokens: 16 },
    runSeed: 5,
    seedScope: "malt/train/it0",
  };
}

describe("MALT search tree", () => {
  it("grows n answers × n critiques × n refinements as stored tree nodes with parents and node-path seeds", async () => {
    const { store, run, items, agentIds } = await setup("shape");
    const { backend } = scripted();
    const [out] = await runMany(maltProtocol({ branching: [3, 3, 3] }), items.slice(0, 1), seats, deps(store, run.id, agentIds, backend), {
      concurrency: 1,
    });
    const unit = (await store.debates.list({ runId: run.id }))[0]!;
    expect(unit.protocol).toBe("malt");
    const turns = await store.turns.list(unit.id);
    expect(turns).toHaveLength(3 + 9 + 27);
    const role = new Map([...agentIds].map(([label, id]) => [id, label.split(":")[0]]));
    const byNode = new Map(turns.map((t) => [t.node, t]));
    for (const t of turns) {
      const depth = t.node.split(".").length;
      expect(t.round).toBe(depth);
      expect(role.get(t.agentId)).toBe(MALT_ROLES[depth - 1]);
      const parent = depth === 1 ? undefined : byNode.get(t.node.slice(0, t.node.lastIndexOf(".")));
      expect(t.parentId).toBe(parent?.id ?? null);
      expect(t.seed).toBe(
        turnSeedV1({
          runSeed: 5,
          scope: "malt/train/it0",
          questionKey: questionKey(items[0]!.question),
          agent: `${role.get(t.agentId)}:0`,
          node: t.node,
        }),
      );
    }
    expect(new Set(turns.map((t) => t.seed)).size).toBe(39); // every node its own sample
    // What each role reads: the verifier the generator's answer; the refiner that answer and the critique.
    const g = byNode.get("2")!,
      v = byNode.get("2.1")!,
      r = byNode.get("2.1.0")!;
    expect(v.prompt.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(v.prompt[0]).toEqual(g.prompt[0]);
    expect(v.prompt[1]!.content).toBe(g.completion);
    expect(r.prompt.slice(0, 2)).toEqual(v.prompt.slice(0, 2));
    expect(r.prompt[2]!.content).toContain(v.completion);
    // The unit's answer is the majority of the 27 refiners' answers.
    const votes: Record<string, number> = {};
    for (const t of turns.filter((x) => x.round === 3)) votes[t.parsedAnswer!] = (votes[t.parsedAnswer!] ?? 0) + 1;
    expect(out!.votes).toEqual(votes);
    expect(Object.values(votes).reduce((a, b) => a + b, 0)).toBe(27);
    expect(unit.finalAnswer).toBe(out!.finalAnswer);
    await store.close();
  });

  it("resumes a tree killed midway: stored nodes are read back, only the rest is generated, the result equals an uninterrupted run", async () => {
    /** Grows the 2×2×2 trees of every question of `t`'s store. */
    const grow = (t: Awaited<ReturnType<typeof setup>>, backend: Backend) =>
      runMany(maltProtocol({ branching: [2, 2, 2] }), t.items, seats, deps(t.store, t.run.id, t.agentIds, backend), { concurrency: 2 });
    const whole = await setup("whole");
    const w = scripted();
    const full = await grow(whole, w.backend);
    expect(w.calls()).toBe(4 * 14);

    const cut = await setup("cut");
    const dying = scripted(23);
    await expect(grow(cut, dying.backend)).rejects.toThrow("backend down");
    const storedBefore = (
      await Promise.all((await cut.store.debates.list({ runId: cut.run.id })).map((d) => cut.store.turns.list(d.id)))
    ).flat().length;
    expect(storedBefore).toBeGreaterThan(0);
    expect(storedBefore).toBeLessThan(56);
    const again = scripted();
    const resumed = await grow(cut, again.backend);
    expect(again.calls()).toBe(56 - storedBefore);
    expect(resumed.map((o) => [o.finalAnswer, o.votes])).toEqual(full.map((o) => [o.finalAnswer, o.votes]));
    const texts = async (s: Store, runId: string) =>
      (await Promise.all((await s.debates.list({ runId })).map((d) => s.turns.list(d.id))))
        .flat()
        .map((t) => `${t.round}|${t.node}|${t.seed}|${t.completion}`)
        .sort();
    expect(await texts(cut.store, cut.run.id)).toEqual(await texts(whole.store, whole.run.id));
    await whole.store.close();
    await cut.store.close();
  });

  it("refuses a branching that is not three positive integers, and a missing seat", async () => {
    expect(() => maltProtocol({ branching: [3, 0, 3] })).toThrow(/branching/);
    const { store, run, items, agentIds } = await setup("seats");
    await expect(
      runMany(
        maltProtocol({ branching: [1, 1, 1] }),
        items.slice(0, 1),
        seats.slice(0, 2),
        deps(store, run.id, agentIds, scripted().backend),
        { concurrency: 1 },
      ),
    ).rejects.toThrow(/no refiner seat/);
    await store.close();
  });
});
