/** Metrics: named numbers per (run, method, iteration, scope); written as a set, recomputable. */
import { asc, sql } from "drizzle-orm";
import type { Ctx } from "./ctx.js";
import type { Metric } from "./rows.js";
import { chunks, whereEq } from "./util.js";

export interface NewMetric {
  runId: string;
  method: string;
  iteration: number;
  name: string;
  /** "run", "agent:<id>", "question:<id>", … */
  scope: string;
  /** Must be finite: NaN cannot be stored in SQLite; put undefined-ness in `extra`. */
  value: number;
  extra?: unknown;
}

export interface MetricFilter {
  runId: string;
  method?: string;
  iteration?: number;
  name?: string;
  scope?: string;
}

export function metricsRepo(ctx: Ctx) {
  const { t } = ctx;
  const m = t.metrics;
  return {
    /**
     * Writes a set of metrics in ONE transaction. Upsert on (run, method, iteration, name, scope): recomputing
     * replaces value and extra. Returns the stored rows in input order.
     */
    put: async (items: readonly NewMetric[]): Promise<Metric[]> => {
      for (const i of items) {
        if (!Number.isFinite(i.value)) throw new Error(`store: metric ${i.name} (${i.scope}) has non-finite value ${i.value}`);
      }
      return ctx.tx(async () => {
        const out: Metric[] = [];
        for (const part of chunks(items)) {
          const rows = await ctx
            .db()
            .insert(m)
            .values(part.map((i) => ({ ...i, extra: i.extra ?? null })))
            .onConflictDoUpdate({
              target: [m.runId, m.method, m.iteration, m.name, m.scope],
              set: { value: sql`excluded.value`, extra: sql`excluded.extra` },
            })
            .returning();
          const key = (r: NewMetric) => `${r.method}\u0000${r.iteration}\u0000${r.name}\u0000${r.scope}\u0000${r.runId}`;
          const byKey = new Map(rows.map((r) => [key(r), r]));
          for (const i of part) out.push(byKey.get(key(i))!);
        }
        return out;
      });
    },
    /** Ordered by method, iteration, name, scope. */
    list: (f: MetricFilter): Promise<Metric[]> =>
      ctx
        .db()
        .select()
        .from(m)
        .where(whereEq(m, ["runId", "method", "iteration", "name", "scope"], f))
        .orderBy(asc(m.method), asc(m.iteration), asc(m.name), asc(m.scope)),
  };
}

export type MetricsRepo = ReturnType<typeof metricsRepo>;
