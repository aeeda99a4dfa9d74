/**
 * The coordinator's debates: each request's questions go to the `debate` queue in chunks (debate-unit.ts),
 * all at once; when every chunk is done in the ledger the local debate port runs the whole request, which
 * finds every turn stored and only reads them back, so everything downstream (answers, votes, transcripts,
 * metrics) is computed as in one process. A chunk a worker left unfinished is the local port's to complete.
 */
import { existsSync } from "node:fs";
import type { AgentModel, BackendSpec } from "../backends/index.js";
import { addGenerationCost, type GenerationCost } from "../methods/debate-adapter.js";
import type { DebatePort, DebateRequest } from "../methods/debate-port.js";
import { awaitUnit, type AwaitedUnit, type UnitQueue } from "./await-unit.js";
import { debateChunks, portableModel, type DebateUnit, type DebateUnitResult } from "./debate-unit.js";

export interface QueuedDebatesOptions extends UnitQueue {
  /** The coordinator's own debate port: reads the stored turns back (and generates what no unit did). */
  local: DebatePort;
  /** Stores a model file once per process (artifacts/put-once.ts). */
  put: (path: string) => Promise<string>;
  base: AgentModel;
  routes: ReadonlyMap<string, BackendSpec>;
  /** Questions per unit. */
  chunk: number;
  signal?: AbortSignal;
}

export function queuedDebates(o: QueuedDebatesOptions): DebatePort {
  const portable = (m: AgentModel) => portableModel(m, o.put, existsSync);
  return {
    async run(req: DebateRequest) {
      const chunks = debateChunks(req, o.chunk);
      const unit = (key: string, questions: DebateRequest["questions"]) => async (): Promise<DebateUnit> => ({
        runId: o.runId,
        key,
        request: {
          ...req,
          questions,
          generators: await Promise.all(req.generators.map(portable)),
          critics: await Promise.all(req.critics.map(portable)),
        },
        base: await portable(o.base),
        routes: [...o.routes],
      });
      // Every chunk in flight at once; the first to fail stops the others' waiting.
      const failed = new AbortController();
      const signal = o.signal ? AbortSignal.any([o.signal, failed.signal]) : failed.signal;
      const t0 = performance.now();
      const settled = await Promise.allSettled(
        chunks.map(async (c) => {
          try {
            return await awaitUnit<DebateUnitResult>(o, "debate", c.key, unit(c.key, c.questions), signal);
          } catch (e) {
            failed.abort(e);
            throw e;
          }
        }),
      );
      const bad = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
      if (bad) throw bad.reason;
      const units = settled.map((s) => (s as PromiseFulfilledResult<AwaitedUnit<DebateUnitResult>>).value);
      // Only units finished while this call waited: a resumed coordinator does not count a unit twice.
      const fresh = units.filter((u) => u.waited !== undefined);
      const cost = sumCosts(fresh.map((u) => u.result.cost));
      if (cost) await addGenerationCost(o.store, o.runId, req, cost);
      if (fresh.length) {
        const worked = fresh.reduce((s, u) => s + u.result.seconds, 0);
        o.log?.(
          `  ${req.label}: ${fresh.length} debate unit(s) done on workers in ${((performance.now() - t0) / 1000).toFixed(2)} s (${worked.toFixed(2)} s of worker time)`,
        );
      }
      await o.local.run(req);
    },
  };
}

function sumCosts(cs: Array<GenerationCost | undefined>): GenerationCost | undefined {
  const have = cs.filter((c): c is GenerationCost => !!c);
  if (!have.length) return undefined;
  const sum = (k: keyof GenerationCost) => have.reduce((s, c) => s + c[k], 0);
  return { questions: sum("questions"), turns: sum("turns"), tokens: sum("tokens"), wall: sum("wall"), cpu: sum("cpu") };
}
