/** The fine-tuning job and event objects, in OpenAI's shapes, plus what the server keeps beside them. */
import { randomUUID } from "node:crypto";
import { z } from "zod";

export type JobStatus = "validating_files" | "queued" | "running" | "succeeded" | "failed" | "cancelled";

export interface Hyperparameters {
  n_epochs: number;
  batch_size: number;
  learning_rate_multiplier: number;
}

/** OpenAI's `method`: supervised (chat examples) or dpo (preference pairs, with β). */
export type JobMethod =
  | { type: "supervised"; supervised: { hyperparameters: Hyperparameters } }
  | { type: "dpo"; dpo: { hyperparameters: Hyperparameters & { beta: number } } };

export interface FineTuneJob {
  id: string;
  object: "fine_tuning.job";
  created_at: number;
  finished_at: number | null;
  model: string;
  fine_tuned_model: string | null;
  organization_id: string;
  result_files: string[];
  seed: number;
  status: JobStatus;
  trained_tokens: number | null;
  training_file: string;
  validation_file: string | null;
  hyperparameters: Hyperparameters;
  error: { code: string; message: string; param: string | null } | null;
  estimated_finish: number | null;
  integrations: [];
  metadata: Record<string, string> | null;
  method: JobMethod;
  user_provided_suffix: string | null;
}

export interface JobEvent {
  id: string;
  object: "fine_tuning.job.event";
  created_at: number;
  level: "info" | "warn" | "error";
  message: string;
  data: Record<string, unknown> | null;
  type: "message" | "metrics";
}

/** A job as persisted: the public object, its events (oldest first) and the served model it trains. */
export interface StoredJob {
  job: FineTuneJob;
  events: JobEvent[];
  /** The fine-tuned model's adapter, once written. */
  adapterPath?: string;
  /** The served model the job started from, and the base its fine-tunes are named after. */
  root: string;
}

export const TERMINAL: readonly JobStatus[] = ["succeeded", "failed", "cancelled"];

export const newId = (prefix: string) => `${prefix}-${randomUUID().replace(/-/g, "").slice(0, 24)}`;
export const now = () => Math.floor(Date.now() / 1000);

export function event(
  message: string,
  o: { level?: JobEvent["level"]; data?: Record<string, unknown>; type?: JobEvent["type"] } = {},
): JobEvent {
  return {
    id: newId("ftevent"),
    object: "fine_tuning.job.event",
    created_at: now(),
    level: o.level ?? "info",
    message,
    data: o.data ?? null,
    type: o.type ?? "message",
  };
}

/** What a stored job must hold for the server to restore it (the rest passes through as written). */
export const storedJobSchema = z
  .object({
    job: z
      .object({
        id: z.string().min(1),
        created_at: z.number(),
        status: z.enum(["validating_files", "queued", "running", "succeeded", "failed", "cancelled"]),
        model: z.string(),
        training_file: z.string(),
        hyperparameters: z.object({ n_epochs: z.number(), batch_size: z.number(), learning_rate_multiplier: z.number() }).passthrough(),
      })
      .passthrough(),
    events: z.array(z.object({ id: z.string(), message: z.string() }).passthrough()),
    adapterPath: z.string().optional(),
    root: z.string(),
  })
  .passthrough();
