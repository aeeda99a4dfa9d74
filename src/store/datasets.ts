/**
 * Datasets: an agent's filtered training set for one iteration, stored with all its rows at once. A set
 * is chat examples (SFT) or preference pairs (DPO: `messages` is the prompt, `chosen`/`rejected` the
 * replies, with their reference log-probs when the trainer computed them before training).
 */
import { createHash } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import type { Ctx } from "./ctx.js";
import type { ChatMessage, Dataset, DatasetFormat, DatasetKind, DatasetRow } from "./rows.js";
import { chunks, one, whereEq } from "./util.js";

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
  /** A chat example; for a preference pair, the prompt. */
  messages: ChatMessage[];
  /** Preference pairs only: the preferred and the rejected reply. */
  chosen?: ChatMessage[];
  rejected?: ChatMessage[];
  /** Preference pairs only: summed log-probs of the replies under the frozen reference. */
  refChosenLogp?: number | null;
  refRejectedLogp?: number | null;
}

const plain = (ms: readonly ChatMessage[]) => ms.map((m) => ({ role: m.role, content: m.content }));

/**
 * The rows as chat JSONL: one `{"messages":[{"role":…,"content":…},…]}` line per row, each ending in "\n".
 * Trainers that write a file should write exactly this; the dataset's sha256 is the hash of these bytes.
 */
/** The columns that identify one row (its unique index). */
const KEY = ["runId", "method", "agentId", "iteration", "kind"] as const;

export function toChatJsonl(rows: readonly { messages: readonly ChatMessage[] }[]): string {
  // `weight` (0 = context only) is kept: it is part of OpenAI's fine-tuning format and the trainers honour it.
  return rows
    .map(
      (r) =>
        JSON.stringify({
          messages: r.messages.map((m) =>
            m.weight === undefined ? { role: m.role, content: m.content } : { role: m.role, content: m.content, weight: m.weight },
          ),
        }) + "\n",
    )
    .join("");
}

/**
 * Preference rows as OpenAI's preference JSONL (what `society train --objective dpo` reads):
 * `{"input":{"messages":[…]},"preferred_output":[…],"non_preferred_output":[…]}` per line.
 */
export function toPreferenceJsonl(
  rows: readonly { messages: readonly ChatMessage[]; chosen?: readonly ChatMessage[] | null; rejected?: readonly ChatMessage[] | null }[],
): string {
  return rows
    .map((r) => {
      if (!r.chosen || !r.rejected) throw new Error("toPreferenceJsonl: a row without chosen/rejected replies is not a preference pair");
      return (
        JSON.stringify({
          input: { messages: plain(r.messages) },
          preferred_output: plain(r.chosen),
          non_preferred_output: plain(r.rejected),
        }) + "\n"
      );
    })
    .join("");
}

/** A set's rows in its own file format: chat JSONL, or preference JSONL. */
export function datasetJsonl(format: DatasetFormat, rows: Parameters<typeof toPreferenceJsonl>[0]): string {
  return format === "preference" ? toPreferenceJsonl(rows) : toChatJsonl(rows);
}

function formatOf(rows: readonly NewDatasetRow[], given?: DatasetFormat): DatasetFormat {
  const pairs = rows.filter((r) => r.chosen !== undefined || r.rejected !== undefined).length;
  if (pairs > 0 && pairs < rows.length) throw new Error("dataset mixes chat rows and preference pairs");
  const inferred: DatasetFormat | undefined = rows.length ? (pairs ? "preference" : "chat") : undefined;
  if (given && inferred && given !== inferred) throw new Error(`dataset declared ${given} but its rows are ${inferred}`);
  return given ?? inferred ?? "chat";
}

export function datasetsRepo(ctx: Ctx) {
  const { t } = ctx;
  const ds = t.datasets;
  const where = (k: DatasetKey) => whereEq(ds, KEY, k);
  return {
    /**
     * The dataset row and all its rows in ONE transaction (a crash leaves none of them). Idempotent on the
     * key: when it is already stored, returns the stored dataset and leaves its rows untouched.
     */
    create: (k: DatasetKey, rows: readonly NewDatasetRow[], opts: { format?: DatasetFormat } = {}): Promise<Dataset> =>
      ctx.tx(async () => {
        const format = formatOf(rows, opts.format);
        const sha256 = createHash("sha256").update(datasetJsonl(format, rows)).digest("hex");
        const [created] = await ctx
          .db()
          .insert(ds)
          .values({ ...k, format, rowCount: rows.length, sha256 })
          .onConflictDoNothing({ target: KEY.map((k) => ds[k]) })
          .returning();
        if (!created) return one(await ctx.db().select().from(ds).where(where(k)), "dataset");
        const values = rows.map((r, rowIndex) => ({
          datasetId: created.id,
          rowIndex,
          sourceTurnIds: r.sourceTurnIds,
          messages: r.messages,
          chosen: r.chosen ?? null,
          rejected: r.rejected ?? null,
          refChosenLogp: r.refChosenLogp ?? null,
          refRejectedLogp: r.refRejectedLogp ?? null,
        }));
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
      ctx
        .db()
        .select()
        .from(ds)
        .where(whereEq(ds, ["runId", "method", "iteration", "agentId"], f))
        .orderBy(asc(ds.method), asc(ds.iteration), asc(ds.createdAt), asc(ds.id)),
    /** In row order. */
    rows: (datasetId: string): Promise<DatasetRow[]> =>
      ctx.db().select().from(t.datasetRows).where(eq(t.datasetRows.datasetId, datasetId)).orderBy(asc(t.datasetRows.rowIndex)),
  };
}

export type DatasetsRepo = ReturnType<typeof datasetsRepo>;
