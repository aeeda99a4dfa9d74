import type { AgentChain, DebateTranscript } from "../../datasets/types.js";
import type { Phase, Turn } from "../../store/index.js";
import type { MethodContext } from "../types.js";

export interface StoredDebate {
  debateId: string;
  questionRowId: string;
  transcript: DebateTranscript;
  /** Every turn, for metrics (tokens, parse status). */
  turns: Turn[];
}

/**
 * Reads finished debates back from the store as the filters want them: agent n's chain is its round-1
 * turn (as generator n) followed by its later turns (as critic n); answers are vote keys, null when unparsed.
 */
export async function loadTranscripts(ctx: MethodContext, method: string, iteration: number, phase: Phase): Promise<StoredDebate[]> {
  const agents = new Map((await ctx.store.agents.list(ctx.runId, method)).map((a) => [a.id, a]));
  const qids = new Map([...ctx.train, ...ctx.test].map((q) => [q.rowId, q.id]));
  // In the order of the split's questions, not the order the debates finished in (concurrent debates, several
  // processes): the datasets built from these, and so the training batches, must not depend on timing.
  const position = new Map([...ctx.train, ...ctx.test].map((q, i) => [q.rowId, i]));
  const at = (id: string) => position.get(id) ?? Number.MAX_SAFE_INTEGER;
  const debates = (await ctx.store.debates.list({ runId: ctx.runId, method, iteration, phase, status: "done" })).sort(
    (a, b) => at(a.questionId) - at(b.questionId),
  );
  const turnsByDebate = groupBy(await ctx.store.turns.listFor({ runId: ctx.runId, method, iteration, phase }), (t) => t.debateId);
  const out: StoredDebate[] = [];
  for (const d of debates) {
    const turns = turnsByDebate.get(d.id) ?? [];
    const chains = new Map<number, AgentChain>();
    for (const t of [...turns].sort((a, b) => a.round - b.round)) {
      const agent = agents.get(t.agentId);
      // Summaries are turns of summarizer agents: context for critics, not anyone's answer.
      if (!agent || agent.role === "summarizer") continue;
      const index = agent.agentIndex;
      const chain = chains.get(index) ?? { agent: index, turns: [] };
      chains.set(index, chain);
      chain.turns.push({
        turnId: t.id,
        round: t.round,
        prompt: t.prompt,
        completion: t.completion,
        answer: t.parseStatus === "unparsed" || t.parsedAnswer === null ? null : ctx.task.canonical(t.parsedAnswer),
      });
    }
    out.push({
      debateId: d.id,
      questionRowId: d.questionId,
      turns,
      transcript: {
        questionId: qids.get(d.questionId) ?? d.questionId,
        consensus: d.finalAnswer === null ? null : ctx.task.canonical(d.finalAnswer),
        chains: [...chains.values()].sort((a, b) => a.agent - b.agent),
      },
    });
  }
  return out;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}
