/**
 * The fine-tuning API: POST /v1/fine_tuning/jobs, GET /v1/fine_tuning/jobs (newest first, cursor
 * `after`, `limit`, `metadata[k]=v` filters), GET …/{id}, GET …/{id}/events (newest first, cursor
 * `after`), POST …/{id}/cancel. Jobs train LoRA adapters on the local trainer (job-queue.ts): method
 * `supervised` on chat examples, `dpo` on preference pairs with the local DPO objective.
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { badRequest, parseBody } from "./api-error.js";
import type { FineTuneQueue } from "./job-queue.js";
import { SOCIETY_MODEL_ID } from "./model-registry.js";
import { readJsonBody } from "./request-guard.js";

/** A number, or "auto"/null/absent for the server's default. */
const auto = (t: z.ZodNumber) =>
  z
    .union([z.literal("auto"), t])
    .nullish()
    .transform((v): number | undefined => (typeof v === "number" ? v : undefined));
const hyper = z
  .object({
    n_epochs: auto(z.number().int().min(1).max(50)),
    batch_size: auto(z.number().int().min(1).max(256)),
    learning_rate_multiplier: auto(z.number().positive().max(100)),
  })
  .passthrough();

const dpoHyper = hyper.extend({ beta: auto(z.number().positive().max(100)) });

const createSchema = z
  .object({
    model: z.string().min(1),
    training_file: z.string().min(1),
    validation_file: z.string().nullish(),
    hyperparameters: hyper.nullish(),
    method: z
      .object({
        type: z.string(),
        supervised: z.object({ hyperparameters: hyper.nullish() }).passthrough().nullish(),
        dpo: z.object({ hyperparameters: dpoHyper.nullish() }).passthrough().nullish(),
      })
      .passthrough()
      .nullish(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .nullish(),
    suffix: z
      .string()
      .max(64)
      .regex(/^[A-Za-z0-9_-]*$/, "letters, digits, _ and - only")
      .nullish(),
    metadata: z
      .record(z.string().max(64), z.string().max(512))
      .refine((m) => Object.keys(m).length <= 16, "at most 16 keys")
      .nullish(),
    integrations: z.array(z.unknown()).nullish(),
  })
  .passthrough();

function page<T extends { id: string }>(c: Context, items: T[], defaultLimit: number) {
  const limit = Math.min(Math.max(Number(c.req.query("limit") ?? defaultLimit) || defaultLimit, 1), 100);
  const after = c.req.query("after");
  let start = 0;
  if (after) {
    const i = items.findIndex((x) => x.id === after);
    if (i < 0) throw badRequest(`after: no item "${after}"`, "after");
    start = i + 1;
  }
  const data = items.slice(start, start + limit);
  return { object: "list" as const, data, has_more: start + limit < items.length };
}

export function addFineTuningRoutes(app: Hono, queue: FineTuneQueue): void {
  app.post("/v1/fine_tuning/jobs", async (c) => {
    const r = parseBody(createSchema, await readJsonBody(c));
    if (r.model === SOCIETY_MODEL_ID)
      throw badRequest('"society" is a debate of several models and cannot be fine-tuned as one; fine-tune its agents', "model");
    if (r.validation_file)
      throw badRequest("validation_file is not supported by this server (its trainer holds out no separate file)", "validation_file");
    if (r.integrations?.length) throw badRequest("integrations are not supported by this server", "integrations");
    const type = r.method?.type ?? "supervised";
    if (type !== "supervised" && type !== "dpo")
      throw badRequest(`method.type: "supervised" and "dpo" fine-tuning are supported (got ${JSON.stringify(type)})`, "method.type");
    const hp = {
      ...(r.hyperparameters ?? {}),
      ...(type === "dpo" ? r.method?.dpo?.hyperparameters : r.method?.supervised?.hyperparameters),
    };
    const job = queue.create({
      model: r.model,
      trainingFile: r.training_file,
      method: type === "dpo" ? { type, beta: (hp as { beta?: number }).beta } : { type },
      hyperparameters: { n_epochs: hp.n_epochs, batch_size: hp.batch_size, learning_rate_multiplier: hp.learning_rate_multiplier },
      seed: r.seed ?? undefined,
      suffix: r.suffix ?? undefined,
      metadata: r.metadata ?? undefined,
    });
    return c.json(job);
  });

  app.get("/v1/fine_tuning/jobs", (c) => {
    const filters: Array<[string, string]> = [];
    for (const [k, v] of new URL(c.req.url).searchParams) {
      const m = /^metadata\[(.+)\]$/.exec(k);
      if (m) filters.push([m[1]!, v]);
    }
    const jobs = queue.list().filter((j) => filters.every(([k, v]) => j.metadata?.[k] === v));
    return c.json(page(c, jobs, 20));
  });
  app.get("/v1/fine_tuning/jobs/:id", (c) => c.json(queue.get(c.req.param("id")).job));
  app.get("/v1/fine_tuning/jobs/:id/events", (c) => c.json(page(c, [...queue.get(c.req.param("id")).events].reverse(), 20)));
  app.post("/v1/fine_tuning/jobs/:id/cancel", (c) => c.json(queue.cancel(c.req.param("id"))));
}
