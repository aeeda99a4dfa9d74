import type { Phase, Store } from "../store/index.js";
import type { Task } from "../tasks/index.js";
import { interactionGraph, type GraphTurn, type InteractionGraph } from "./graph.js";

/** Which stored debates: one (method, iteration, phase) group, or every group of the run that matches. */
export interface GraphFilter {
  method?: string;
  iteration?: number;
  phase?: Phase;
}

/** A graph with the group of debates it belongs to. */
export interface StoredGraph {
  method: string;
  iteration: number;
  phase: Phase;
  graph: InteractionGraph;
}

/**
 * The interaction graphs of a run's finished debates (protocol "debate"), in creation order. Within one (method, iteration,
 * phase) every graph has the group's shape — agents = seats seen, rounds = the most rounds any of its
 * debates reached — so a debate that stopped early has absent nodes. Summaries are context, not nodes.
 */
export async function loadGraphs(store: Store, runId: string, task: Task, f: GraphFilter = {}): Promise<StoredGraph[]> {
  const agents = new Map((await store.agents.list(runId)).map((a) => [a.id, a]));
  // Only debates are interaction graphs; other protocols (MALT's trees) store several turns per (agent, round).
  const debates = (await store.debates.list({ runId, method: f.method, iteration: f.iteration, phase: f.phase, status: "done" })).filter(
    (d) => d.protocol === "debate",
  );
  const groups = new Map<string, typeof debates>();
  for (const d of debates) {
    const k = `${d.method}\u0000${d.iteration}\u0000${d.phase}`;
    const list = groups.get(k) ?? [];
    groups.set(k, list);
    list.push(d);
  }
  const questions = new Map<string, { qid: string; text: string; gold: string }>();
  const out: StoredGraph[] = [];
  for (const group of groups.values()) {
    const { method, iteration, phase } = group[0]!;
    const questionOf = new Map<string, { qid: string; text: string; gold: string }>();
    for (const d of group) {
      let q = questions.get(d.questionId);
      if (!q) {
        const row = await store.questions.get(d.questionId);
        if (!row) throw new Error(`debate ${d.id} names question ${d.questionId}, which the store lacks`);
        questions.set(d.questionId, (q = { qid: row.qid, text: row.text, gold: row.gold }));
      }
      questionOf.set(d.id, q);
    }
    const turnsOf = new Map<string, GraphTurn[]>();
    let nAgents = 0;
    let nRounds = 0;
    for (const t of await store.turns.listFor({ runId, method, iteration, phase })) {
      const a = agents.get(t.agentId);
      const q = questionOf.get(t.debateId);
      if (!a || a.role === "summarizer" || !q) continue;
      nAgents = Math.max(nAgents, a.agentIndex + 1);
      nRounds = Math.max(nRounds, t.round);
      const model = (t.meta as { model?: unknown } | null)?.model;
      const parsed = t.parseStatus === "unparsed" ? null : t.parsedAnswer;
      const list = turnsOf.get(t.debateId) ?? [];
      turnsOf.set(t.debateId, list);
      list.push({
        agent: a.agentIndex,
        round: t.round,
        turnId: t.id,
        completion: t.completion,
        answer: parsed === null ? null : task.canonical(parsed),
        correct: task.grade(parsed, q.gold),
        ...(typeof model === "string" ? { model } : {}),
      });
    }
    for (const d of group) {
      const q = questionOf.get(d.id)!;
      const graph = interactionGraph({
        debateId: d.id,
        questionId: q.qid,
        question: q.text,
        gold: q.gold,
        agents: Math.max(nAgents, 1),
        rounds: Math.max(nRounds, 1),
        finalAnswer: d.finalAnswer === null ? null : task.canonical(d.finalAnswer),
        turns: turnsOf.get(d.id) ?? [],
      });
      out.push({ method, iteration, phase, graph });
    }
  }
  return out;
}
