/**
 * `society graph export` on a real SQLite run (the fakes debate 3 agents × 3 rounds): the GraphML goes through
 * a real XML parser (@xmldom/xmldom, strict: any warning fails) and must carry every stored turn as a node with
 * the label its grade gives; the JSON carries the same graphs and per-round counts.
 */
import { DOMParser, type Element } from "@xmldom/xmldom";
import type Database from "better-sqlite3";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { getTask } from "../../src/tasks/index.js";
import { fakeConfig, turnsOf, type FakeRun, useFakeRun } from "../methods/fixtures/fake-run.js";

const config = fakeConfig({
  methods: ["debate"],
  agents: 3,
  rounds: 3,
  task: { name: "arithmetic", options: { maxValue: 9 }, train: { limit: 4 }, test: { limit: 6 } },
});
const task = getTask("arithmetic", {});
let run: FakeRun;
let db: Database.Database;

useFakeRun(config, (r, d) => ((run = r), (db = d)));

const NS = "http://graphml.graphdrawing.org/xmlns";
const dataOf = (el: Element): Record<string, string> =>
  Object.fromEntries(
    Array.from(el.getElementsByTagNameNS(NS, "data"))
      .filter((d) => d.parentNode === el)
      .map((d) => [d.getAttribute("key")!, d.textContent ?? ""]),
  );

it("GraphML: one directed graph per debate, a node per (agent, round) labelled by its grade, edges round r → r+1", async () => {
  const out = join(run.dir, "graphs.graphml");
  expect(await main(["graph", "export", run.runId, "--db", run.dbPath, "--format", "graphml", "--out", out])).toBe(0);
  const problems: string[] = [];
  const doc = new DOMParser({ onError: (level, msg) => problems.push(`${level}: ${msg}`) }).parseFromString(
    readFileSync(out, "utf8"),
    "text/xml",
  );
  expect(problems).toEqual([]);
  expect(doc.documentElement!.namespaceURI).toBe(NS);
  const keys = new Map(Array.from(doc.getElementsByTagNameNS(NS, "key")).map((k) => [k.getAttribute("id"), k.getAttribute("for")]));
  expect(keys.get("label")).toBe("node");
  expect(keys.get("kind")).toBe("edge");
  const graphs = Array.from(doc.getElementsByTagNameNS(NS, "graph"));
  expect(graphs).toHaveLength(6);

  const turns = turnsOf(db, "base", 0, "test");
  const byTurn = new Map(turns.map((t) => [t.id, t]));
  const ids = new Set<string>();
  for (const g of graphs) {
    expect(g.getAttribute("edgedefault")).toBe("directed");
    const nodes = Array.from(g.getElementsByTagNameNS(NS, "node"));
    const edges = Array.from(g.getElementsByTagNameNS(NS, "edge"));
    expect(nodes).toHaveLength(9);
    expect(edges).toHaveLength(2 * 9);
    const roundOf = new Map<string, number>();
    for (const n of nodes) {
      const d = dataOf(n);
      ids.add(n.getAttribute("id")!);
      roundOf.set(n.getAttribute("id")!, Number(d.round));
      const t = byTurn.get(d.turn!)!;
      expect(t, `node ${n.getAttribute("id")} names a stored turn`).toBeDefined();
      expect([t.agentIndex, t.round]).toEqual([Number(d.agent), Number(d.round)]);
      expect(d.text).toBe(t.completion);
      expect(d.label).toBe(task.grade(t.parsedAnswer, t.gold) ? "correct" : "incorrect");
    }
    for (const e of edges) expect(roundOf.get(e.getAttribute("target")!)).toBe(roundOf.get(e.getAttribute("source")!)! + 1);
    expect(dataOf(g).gold).toBe(byTurn.get(dataOf(nodes[0]!).turn!)!.gold);
  }
  // Node ids are unique in the document, as GraphML requires.
  expect(ids.size).toBe(6 * 9);
  // The fakes answer both ways, so both labels occur.
  const labels = new Set(Array.from(doc.getElementsByTagNameNS(NS, "node")).map((n) => dataOf(n).label));
  expect(labels).toEqual(new Set(["correct", "incorrect"]));
});

it("JSON: the same graphs with their group and per-round label counts", async () => {
  const out = join(run.dir, "graphs.json");
  expect(await main(["graph", "export", run.runId, "--db", run.dbPath, "--phase", "test", "--out", out])).toBe(0);
  const j = JSON.parse(readFileSync(out, "utf8"));
  expect(j.graphs).toHaveLength(6);
  expect(j.graphs[0]).toMatchObject({ method: "base", iteration: 0, phase: "test", agents: 3, rounds: 3 });
  const turns = turnsOf(db, "base", 0, "test");
  for (const r of [1, 2, 3]) {
    const inRound = turns.filter((t) => t.round === r);
    const right = inRound.filter((t) => task.grade(t.parsedAnswer, t.gold)).length;
    expect(j.round_stats[r - 1]).toMatchObject({ round: r, correct: right, incorrect: inRound.length - right, absent: 0 });
  }
});

it("a run or filter without debates is a user error (exit 1)", async () => {
  expect(await main(["graph", "export", "no-such-run", "--db", run.dbPath])).toBe(1);
  expect(await main(["graph", "export", run.runId, "--db", run.dbPath, "--phase", "train"])).toBe(1);
});
