/** Runs: one per `society run`; holds the resolved config and seed every unit's randomness derives from. */
import { desc, eq } from "drizzle-orm";
import { UserError } from "../errors.js";
import type { Ctx } from "./ctx.js";
import type { Run, RunStatus } from "./rows.js";
import { one } from "./util.js";

export interface NewRun {
  /** Defaults to a random UUID. */
  id?: string;
  name: string;
  methods: string[];
  /** The resolved run config (any JSON value). */
  config: unknown;
  seed: number;
  status?: RunStatus;
}

export function runsRepo(ctx: Ctx) {
  const { t } = ctx;
  return {
    /** Throws UserError when a run with this id already exists. */
    create: (input: NewRun): Promise<Run> =>
      ctx.tx(async () => {
        if (input.id !== undefined && (await get(input.id))) throw new UserError(`run "${input.id}" already exists in the store`);
        return one(await ctx.db().insert(t.runs).values(input).returning(), "run");
      }),
    get,
    /** Newest first. */
    list: async (opts: { status?: RunStatus; limit?: number } = {}): Promise<Run[]> => {
      const q = ctx
        .db()
        .select()
        .from(t.runs)
        .where(opts.status ? eq(t.runs.status, opts.status) : undefined)
        .orderBy(desc(t.runs.createdAt), desc(t.runs.id));
      return opts.limit !== undefined ? q.limit(opts.limit) : q;
    },
    /** Sets status (and error, when given; `null` clears it). Throws when the run does not exist. */
    setStatus: (id: string, status: RunStatus, error?: string | null): Promise<Run> =>
      ctx.tx(async () => {
        const rows = await ctx
          .db()
          .update(t.runs)
          .set({ status, updatedAt: new Date(), ...(error !== undefined ? { error } : {}) })
          .where(eq(t.runs.id, id))
          .returning();
        return one(rows, `run "${id}"`);
      }),
  };

  async function get(id: string): Promise<Run | undefined> {
    const [row] = await ctx.db().select().from(t.runs).where(eq(t.runs.id, id));
    return row;
  }
}

export type RunsRepo = ReturnType<typeof runsRepo>;
