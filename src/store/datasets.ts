/** Datasets: an agent's filtered training set for one iteration, stored with all its rows at once. */
import { createHash } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import type { Ctx } from "./ctx.js";
import type { ChatMessage, Dataset, DatasetKind, DatasetRow } from "./rows.js";
import { chunks, one } from "./util.js";

export interface DatasetKey {
  runId: string;
  method: string;
  agentId: string;
  iteration: number;
  kind: DatasetKind;
}

export interface NewDatasetRow {
  /** The turn(s) this example was built from (e.g. the critic's turn and the answers it saw). */
  sourceTurnIds: string[];
  messages: ChatMessage[];
}

/**
 * The rows as chat JSONL: one `{"messages":[{"role":…,"content":…},…]}` line per row, each ending in "\n".
 * Trainers that write a file should write exactly this; the dataset's sha256 is the hash of these bytes.
 */
export function toChatJsonl(rows: readonly { messages: readonly ChatMessage[] }[]): string {
  // `weight` (0 = context only) is kept: it is part of OpenAI's fine-tuning format and the trainers honour it.
  return rows.map((r) => JSON.stringify({ messages: r.messages.map((m) => (m.weight === undefined ? { role: m.role, content: m.content } : { role: m.role, content: m.content, weight: m.weight })) }) + "\n").join("");
}

export function datasetsRepo(ctx: Ctx) {
  const { t } = ctx;
  const ds = t.datasets;
  const where = (k: DatasetKey) =>
    and(eq(ds.runId, k.runId), eq(ds.method, k.method), eq(ds.agentId, k.agentId), eq(ds.iteration, k.iteration), eq(ds.kind, k.kind));
  return {
    /**
     * The dataset row and all its rows in ONE transaction (a crash leaves none of them). Idempotent on the
     * key: when it is already stored, returns the stored dataset and leaves its rows untouched.
     */
    create: (k: DatasetKey, rows: readonly NewDatasetRow[]): Promise<Dataset> =>
      ctx.tx(async () => {
        const sha256 = createHash("sha256").update(toChatJsonl(rows)).digest("hex");
        const [created] = await ctx.db().insert(ds).values({ ...k, rowCount: rows.length, sha256 })
          .onConflictDoNothing({ target: [ds.runId, ds.method, ds.agentId, ds.iteration, ds.kind] }).returning();
        if (!created) return one(await ctx.db().select().from(ds).where(where(k)), "dataset");
        const values = rows.map((r, rowIndex) => ({ datasetId: created.id, rowIndex, sourceTurnIds: r.sourceTurnIds, messages: r.messages }));
        for (const part of chunks(values)) await ctx.db().insert(t.datasetRows).values(part);
        return created;
      }),
    get: async (id: string): Promise<Dataset | undefined> => {
      const [row] = await ctx.db().select().from(ds).where(eq(ds.id, id));
      return row;
    },
    find: async (k: DatasetKey): Promise<Dataset | undefined> => {
      const [row] = await ctx.db().select().from(ds).where(where(k));
      return row;
    },
    /** Ordered by method, iteration, then creation. */
    list: (f: { runId: string; method?: string; iteration?: number; agentId?: string }): Promise<Dataset[]> =>
      ctx.db().select().from(ds).where(and(
        eq(ds.runId, f.runId),
        f.method !== undefined ? eq(ds.method, f.method) : undefined,
        f.iteration !== undefined ? eq(ds.iteration, f.iteration) : undefined,
        f.agentId !== undefined ? eq(ds.agentId, f.agentId) : undefined,
      )).orderBy(asc(ds.method), asc(ds.iteration), asc(ds.createdAt), asc(ds.id)),
    /** In row order. */
    rows: (datasetId: string): Promise<DatasetRow[]> =>
      ctx.db().select().from(t.datasetRows).where(eq(t.datasetRows.datasetId, datasetId)).orderBy(asc(t.datasetRows.rowIndex)),
  };
}

export type DatasetsRepo = ReturnType<typeof datasetsRepo>;
