import type { Run, Store } from "../store/index.js";
import type { MethodCost, RunSummary } from "./types.js";

const emptyCost = (): MethodCost => ({
  debates: 0,
  turns: 0,
  promptTokens: 0,
  completionTokens: 0,
  generationSeconds: 0,
  trainingSeconds: 0,
});

/**
 * The header of a report: the config, base model and questions of the runs, and per debate key the tokens and
 * time spent (generation from the stored turns, training from the succeeded jobs), summed over the runs.
 */
export async function runSummaryFromStore(store: Store, runs: readonly Run[]): Promise<RunSummary> {
  const costs: Record<string, MethodCost> = {};
  const cost = (key: string) => (costs[key] ??= emptyCost());
  let wallMs = 0,
    train = 0,
    test = 0;
  for (const run of runs) {
    wallMs += Math.max(0, run.updatedAt.getTime() - run.createdAt.getTime());
    const debates = await store.debates.list({ runId: run.id });
    const groups = new Map<string, { method: string; iteration: number; phase: "train" | "test" }>();
    const asked = { train: new Set<string>(), test: new Set<string>() };
    for (const d of debates) {
      groups.set(`${d.method}\u0000${d.iteration}\u0000${d.phase}`, { method: d.method, iteration: d.iteration, phase: d.phase });
      asked[d.phase].add(d.questionId);
      cost(d.method).debates++;
    }
    train = Math.max(train, asked.train.size);
    test = Math.max(test, asked.test.size);
    for (const g of groups.values()) {
      const c = cost(g.method);
      for (const t of await store.turns.listFor({ runId: run.id, ...g })) {
        c.turns++;
        c.promptTokens += t.promptTokens;
        c.completionTokens += t.completionTokens;
        c.generationSeconds += t.latencyMs / 1000;
      }
    }
    const agents = new Map((await store.agents.list(run.id)).map((a) => [a.id, a.method]));
    for (const job of await store.trainingJobs.list({ runId: run.id, status: "succeeded" })) {
      const method = agents.get(job.agentId);
      if (method === undefined || !job.startedAt || !job.finishedAt) continue;
      cost(method).trainingSeconds += Math.max(0, job.finishedAt.getTime() - job.startedAt.getTime()) / 1000;
    }
  }
  const config = (runs[0]?.config ?? {}) as Record<string, unknown>;
  const model = (config.model ?? {}) as { base?: string; backend?: string };
  return {
    config,
    baseModel: model.base ?? "?",
    backend: model.backend ?? "?",
    questions: { train, test },
    wallSeconds: wallMs / 1000,
    costs,
  };
}
