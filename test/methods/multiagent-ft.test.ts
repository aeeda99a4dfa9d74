/**
 * Multiagent FT and its two ablations, driven through executeRun on fakes (real SQLite file): which turns
 * reach which agent's dataset, what the trainer receives, which models each evaluation debates with.
 */
import type Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { getTask } from "../../src/tasks/index.js";
import {
  dataset,
  datasetsOf,
  fakeConfig,
  metric,
  modelTag,
  tagOf,
  turnsOf,
  versionsOf,
  type FakeRun,
  useFakeRun,
  type TurnRow,
} from "./fixtures/fake-run.js";

const METHODS = ["multiagent-ft", "multiagent-ft-no-summary", "multiagent-ft-no-critic"] as const;
const config = fakeConfig({ methods: [...METHODS], debate: { summarize: true } });
const task = getTask("arithmetic", {});
const same = (a: string | null, b: string | null) => a !== null && b !== null && task.canonical(a) === task.canonical(b);
const ids = (xs: readonly { id: string }[]) => xs.map((x) => x.id).sort();

/** Agent n's chains (round 1 as generator n, later rounds as critic n) in each debate. */
function chains(turns: readonly TurnRow[], n: number) {
  const byDebate = new Map<string, TurnRow[]>();
  for (const t of turns) {
    if (t.agentIndex !== n || t.role === "summarizer") continue;
    byDebate.set(
      t.debateId,
      [...(byDebate.get(t.debateId) ?? []), t].sort((a, b) => a.round - b.round),
    );
  }
  return [...byDebate.values()];
}

/** The key a society method's debates are stored under: the shared base debate where its protocol is the run's. */
const debateKey = (method: string, iteration: number) => (iteration === 0 && method !== "multiagent-ft-no-summary" ? "base" : method);

let run: FakeRun;
let db: Database.Database;

useFakeRun(config, (r, d) => ((run = r), (db = d)));

describe.each(METHODS)("%s on fakes", (method) => {
  const withCritics = method !== "multiagent-ft-no-critic";
  const summarize = method !== "multiagent-ft-no-summary";

  it("trains generator n on exactly its own round-1 answers that match the final vote", () => {
    let rows = 0;
    for (let l = 1; l <= config.iterations; l++) {
      const turns = turnsOf(db, debateKey(method, l - 1), l - 1, "train");
      expect(new Set(turns.map((t) => t.qid)).size).toBe(config.task.train.limit);
      for (let n = 0; n < config.agents; n++) {
        const want = turns.filter(
          (t) => t.role === "generator" && t.agentIndex === n && t.round === 1 && same(t.parsedAnswer, t.finalAnswer),
        );
        const got = dataset(datasetsOf(db, method), "generator", n, l, "G").rows;
        expect(
          got
            .map((r) => r.sourceTurnIds)
            .flat()
            .sort(),
        ).toEqual(ids(want));
        for (const r of got) expect(r.messages.at(-1)!.content).toBe(want.find((t) => t.id === r.sourceTurnIds[0])!.completion);
        rows += got.length;
      }
    }
    expect(rows).toBeGreaterThan(0);
  });

  it(withCritics ? "gives critic n its own corrected (C−) and kept (C+) chains, mixed by w" : "trains no critic", () => {
    const sets = datasetsOf(db, method);
    if (!withCritics) {
      expect(sets.filter((s) => s.role === "critic")).toEqual([]);
      return;
    }
    const pools = { minus: 0, plus: 0 };
    for (let l = 1; l <= config.iterations; l++) {
      const turns = turnsOf(db, debateKey(method, l - 1), l - 1, "train");
      for (let n = 0; n < config.agents; n++) {
        const ended = chains(turns, n).filter((c) => c.length === config.rounds && same(c.at(-1)!.parsedAnswer, c[0]!.finalAnswer));
        const minus = ended.filter((c) => !same(c[0]!.parsedAnswer, c[0]!.finalAnswer)).map((c) => c.map((t) => t.id).join());
        const plus = ended.filter((c) => same(c[0]!.parsedAnswer, c[0]!.finalAnswer)).map((c) => c.map((t) => t.id).join());
        const key = (r: { sourceTurnIds: string[] }) => r.sourceTurnIds.join();
        expect(dataset(sets, "critic", n, l, "C-").rows.map(key).sort()).toEqual(minus.sort());
        expect(dataset(sets, "critic", n, l, "C+").rows.map(key).sort()).toEqual(plus.sort());
        const mixed = dataset(sets, "critic", n, l, "mixed").rows;
        expect(mixed).toHaveLength(minus.length + plus.length);
        for (const r of mixed) expect([...minus, ...plus]).toContain(key(r));
        if (minus.length && plus.length)
          expect(mixed.filter((r) => minus.includes(key(r)))).toHaveLength(Math.round(config.datasets.w * mixed.length));
        pools.minus += minus.length;
        pools.plus += plus.length;
      }
    }
    expect(pools.minus).toBeGreaterThan(0);
    expect(pools.plus).toBeGreaterThan(0);
  });

  it("hands the trainer each agent's trained set, continuing that agent's own adapter", () => {
    const sets = datasetsOf(db, method);
    const versions = versionsOf(db, method);
    const trained = sets.filter((s) => (s.kind === "G" || s.kind === "mixed") && s.rows.length > 0);
    expect(trained.length).toBeGreaterThan(0);
    for (const s of trained) {
      const v = versions.find((x) => x.role === s.role && x.agentIndex === s.agentIndex && x.iteration === s.iteration)!;
      const prev = versions.find((x) => x.role === s.role && x.agentIndex === s.agentIndex && x.iteration === s.iteration - 1)!;
      const reqs = run.trainer.requests.filter((r) => r.outPath === v.path);
      expect(reqs).toHaveLength(1);
      expect(v.kind).toBe("lora");
      expect(reqs[0]!.examples).toEqual(s.rows.map((r) => ({ messages: r.messages })));
      expect(reqs[0]!.baseModelPath).toBe("fake-base.gguf");
      expect(reqs[0]!.initAdapterPath).toBe(prev.kind === "lora" ? prev.path : undefined);
    }
    // A set nothing passed keeps the agent's weights, without a training call.
    const sent = run.trainer.requests.filter((r) => r.outPath.includes(`/models/${method}/`));
    expect(sent).toHaveLength(trained.length);
  });

  it("evaluates the society it trained: generator n's model in round 1, critic n's after, summaries by the base", () => {
    const versions = versionsOf(db, method);
    const modelOf = (role: string, n: number, l: number) => {
      const v = versions.filter((x) => x.role === role && x.agentIndex === n && x.iteration <= l).at(-1)!;
      return v.kind === "lora" ? modelTag({ base: "fake-base.gguf", adapter: v.path! }) : "base";
    };
    let tagged = 0;
    for (let l = 0; l <= config.iterations; l++) {
      const turns = turnsOf(db, debateKey(method, l), l, "test");
      expect(new Set(turns.map((t) => t.qid)).size).toBe(config.task.test.limit);
      expect(turns.some((t) => t.role === "summarizer")).toBe(summarize);
      for (const t of turns) {
        const tag = tagOf(t.completion);
        if (tag === null) continue;
        tagged++;
        const speaker =
          t.role === "summarizer"
            ? "base"
            : t.round === 1
              ? modelOf("generator", t.agentIndex, l)
              : modelOf(withCritics ? "critic" : "generator", t.agentIndex, l);
        expect(tag, `${t.role} ${t.agentIndex} round ${t.round} at iteration ${l}`).toBe(speaker);
        if (t.round > 1 && t.role === "critic") expect(t.prompt).toContain(summarize ? "Summary of other agents" : "Other agents said");
      }
      if (l > 0) expect(turns.some((t) => tagOf(t.completion)?.startsWith(`${method}/`))).toBe(true);
    }
    expect(tagged).toBeGreaterThan(0);
  });

  it("stores accuracy as the final vote's accuracy on gold, with the diversity metrics, per iteration", () => {
    for (let l = 0; l <= config.iterations; l++) {
      const finals = new Map(turnsOf(db, debateKey(method, l), l, "test").map((t) => [t.qid, task.grade(t.finalAnswer, t.gold)]));
      const acc = [...finals.values()].filter(Boolean).length / finals.size;
      expect(metric(db, method, l, "accuracy")).toBeCloseTo(acc, 12);
      for (const name of ["consensus", "cross_agent_nll", "kl_estimate", "embedding_dissimilarity"])
        expect(metric(db, method, l, name), `${name} at ${l}`).toBeTypeOf("number");
    }
  });
});

it("the three share the untrained test debate and multiagent-ft's first train debate; no-summary debates alone", () => {
  const methods = (db.prepare("select distinct method, iteration, phase from debates order by 1, 2, 3").all() as any[]).map(
    (r) => `${r.method} ${r.phase} ${r.iteration}`,
  );
  expect(methods).toContain("base test 0");
  expect(methods).toContain("base train 0");
  expect(methods).toContain("multiagent-ft-no-summary test 0");
  expect(methods).not.toContain("multiagent-ft test 0");
  expect(methods).not.toContain("multiagent-ft-no-critic train 0");
  // Every stored turn was generated once: the fake saw one call per turn.
  const stored = (db.prepare("select count(*) n from turns").get() as { n: number }).n;
  expect(run.backend.generated).toHaveLength(stored);
});
