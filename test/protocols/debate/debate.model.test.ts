import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaBackend } from "../../../src/backends/llama/backend.js";
import type { Backend } from "../../../src/backends/types.js";
import { debateRoster, runDebates, type AgentSpec, type DebateOptions } from "../../../src/protocols/debate/index.js";
import { rosterAgentIds } from "../../../src/protocols/index.js";
import { createScriptedLlamaGguf } from "../../../src/models/scripted-model.js";
import { ensureTestModel } from "../../../src/models/test-model.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { getTask, type Question } from "../../../src/tasks/index.js";

const task = getTask("arithmetic", { max_value: 9 });
const opts: DebateOptions = { rounds: 2, summarize: true, sampling: { temperature: 1, topP: 0.9, maxTokens: 20 }, runSeed: 7 };

let dir: string;
let backend: LlamaBackend;
let random: string;
let seven: string;
let five: string;
let questions: Question[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "society-debate-"));
  random = await ensureTestModel();
  seven = createScriptedLlamaGguf({ path: join(dir, "seven.gguf"), reply: "\\boxed{7}" });
  five = createScriptedLlamaGguf({ path: join(dir, "five.gguf"), reply: "\\boxed{5}" });
  backend = await LlamaBackend.create({ gpu: false, threads: 1, parallel: 8, contextSize: 512 });
  questions = await task.questions("test", { limit: 3 });
});

afterAll(async () => {
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One debate run of `method` over the questions in a SQLite file; returns outcomes and the store (open). */
async function debateAll(dbFile: string, method: string, agents: AgentSpec[], o: DebateOptions, b: Backend = backend, concurrency = 3) {
  const store = await openStore(dbFile);
  const run =
    (await store.runs.get("r1")) ?? (await store.runs.create({ id: "r1", name: "t", methods: [method], config: {}, seed: o.runSeed }));
  const rows = await store.questions.record(
    questions.map((q) => ({ task: q.task, split: q.split, qid: q.id, text: q.text, gold: q.gold })),
  );
  const agentIds = await rosterAgentIds(store, run.id, method, agents);
  const deps = { backend: b, store, task, scope: { runId: run.id, method, iteration: 0, phase: "test" as const }, agents, agentIds };
  const items = questions.map((q, i) => ({ question: q, storeQuestionId: rows[i]!.id }));
  return { store, outcomes: await runDebates(items, deps, o, { concurrency }) };
}

async function turnsByDebate(store: Store) {
  const debates = await store.debates.list({ runId: "r1" });
  return Promise.all(debates.map(async (d) => ({ debate: d, turns: await store.turns.list(d.id) })));
}

describe("debate engine on a real model and a real SQLite file", () => {
  it("persists every turn (generators, summaries, critics) and the vote", async () => {
    const db = join(dir, "a.db");
    const agents = debateRoster({ agents: 3, base: { base: seven } });
    const { store, outcomes } = await debateAll(db, "debate", agents, { ...opts, sampling: { ...opts.sampling, temperature: 0 } });
    expect(outcomes.map((o) => o.finalAnswer)).toEqual(["7", "7", "7"]);
    expect(outcomes.map((o) => o.correct)).toEqual(questions.map((q) => q.gold === "7"));
    for (const { debate, turns } of await turnsByDebate(store)) {
      expect(debate.status).toBe("done");
      expect(debate.finalAnswer).toBe("7");
      expect(debate.votes).toEqual({ "7": 3 });
      // 3 generators (round 1), then per critic one summary + one answer (round 2).
      expect(turns).toHaveLength(9);
      const agentsById = new Map((await store.agents.list("r1", "debate")).map((a) => [a.id, a]));
      const label = (t: (typeof turns)[number]) => `${agentsById.get(t.agentId)!.role}${agentsById.get(t.agentId)!.agentIndex}@${t.round}`;
      expect(turns.map(label).sort()).toEqual([
        "critic0@2",
        "critic1@2",
        "critic2@2",
        "generator0@1",
        "generator1@1",
        "generator2@1",
        "summarizer0@2",
        "summarizer1@2",
        "summarizer2@2",
      ]);
      const critic = turns.find((t) => label(t) === "critic1@2")!;
      const gen = turns.find((t) => label(t) === "generator1@1")!;
      const summary = turns.find((t) => label(t) === "summarizer1@2")!;
      // The critic continues its own round-1 exchange, then reads the summary written for it.
      expect(critic.prompt.slice(0, 2)).toEqual([...gen.prompt, { role: "assistant", content: gen.completion }]);
      expect(critic.prompt[2]!.content).toContain(`Summary of other agents: ${summary.completion}`);
      expect(summary.parseStatus).toBe("unparsed");
      expect(gen).toMatchObject({ completion: "\\boxed{7}", parsedAnswer: "7", parseStatus: "boxed", completionTokens: 9 });
      expect(gen.promptTokens).toBeGreaterThan(0);
    }
    await store.close();
  });

  it("gives round 1 to generator n and later rounds to critic n (different models), raw answers without summaries", async () => {
    const db = join(dir, "b.db");
    const agents = debateRoster({ agents: 2, base: { base: seven }, critics: [{ base: five }, { base: five }] }).filter(
      (a) => a.role !== "summarizer",
    );
    const { store, outcomes } = await debateAll(db, "debate", agents, {
      ...opts,
      summarize: false,
      sampling: { ...opts.sampling, temperature: 0 },
    });
    expect(outcomes.map((o) => o.finalAnswer)).toEqual(["5", "5", "5"]);
    const [{ turns }] = await turnsByDebate(store);
    expect(turns).toHaveLength(4);
    const critic = turns.find((t) => t.round === 2)!;
    expect(critic.prompt[2]!.content).toContain("- \\boxed{7}"); // the other agent's round-1 answer, verbatim
    await store.close();
  });

  it("breaks a tied vote with a recorded seeded draw", async () => {
    const db = join(dir, "c.db");
    const agents: AgentSpec[] = [
      { role: "generator", index: 0, model: { base: seven } },
      { role: "generator", index: 1, model: { base: five } },
    ];
    const { store, outcomes } = await debateAll(db, "majority", agents, {
      ...opts,
      rounds: 1,
      summarize: false,
      sampling: { ...opts.sampling, temperature: 0 },
    });
    for (const o of outcomes) {
      expect(o.votes).toEqual({ "5": 1, "7": 1 });
      expect(o.tieBreak).toMatchObject({ candidates: ["5", "7"], chosen: o.finalAnswer });
    }
    const stored = await store.debates.list({ runId: "r1" });
    expect(stored.map((d) => d.tieBreak)).toEqual(outcomes.map((o) => o.tieBreak));
    await store.close();
  });

  it("resumes after a crash: stored turns are reused, the rest generated, the result equals an uninterrupted run", async () => {
    const agents = debateRoster({ agents: 3, base: { base: random } });
    const straight = await debateAll(join(dir, "straight.db"), "debate", agents, opts);
    const reference = await turnsByDebate(straight.store);
    await straight.store.close();

    // A backend that dies after 10 generations, as a killed process would (earlier turns are stored).
    let calls = 0;
    const dying: Backend = {
      generate: async (m, c, o) => {
        if (++calls > 10) throw new Error("simulated crash");
        return backend.generate(m, c, o);
      },
      score: (m, c, x) => backend.score(m, c, x),
      close: async () => {},
    };
    const db = join(dir, "resumed.db");
    const first = await debateAll(db, "debate", agents, opts, dying).catch((e) => e);
    expect(first.message).toBe("simulated crash");
    const partial = await openStore(db);
    const storedBefore = (await turnsByDebate(partial)).reduce((s, d) => s + d.turns.length, 0);
    await partial.close();
    expect(storedBefore).toBeGreaterThanOrEqual(10);
    expect(storedBefore).toBeLessThan(27);

    const resumed = await debateAll(db, "debate", agents, opts);
    expect(resumed.outcomes.map((o) => o.finalAnswer)).toEqual(straight.outcomes.map((o) => o.finalAnswer));
    expect(resumed.outcomes.flatMap((o) => o.turns).filter((t) => !t.fresh).length).toBe(storedBefore);
    const got = await turnsByDebate(resumed.store);
    const key = (t: { round: number; seed: number; completion: string }) => `${t.round}|${t.seed}|${t.completion}`;
    expect(got.flatMap((d) => d.turns.map(key)).sort()).toEqual(reference.flatMap((d) => d.turns.map(key)).sort());
    expect(got.map((d) => d.debate.finalAnswer)).toEqual(reference.map((d) => d.debate.finalAnswer));

    // Once done, running it again generates nothing.
    let more = 0;
    const counting: Backend = {
      ...backend,
      generate: async (m, c, o) => {
        more++;
        return backend.generate(m, c, o);
      },
      score: backend.score.bind(backend),
      close: async () => {},
    };
    await resumed.store.close();
    const again = await debateAll(db, "debate", agents, opts, counting);
    expect(more).toBe(0);
    expect(again.outcomes.map((o) => o.finalAnswer)).toEqual(straight.outcomes.map((o) => o.finalAnswer));
    await again.store.close();
  });
});
