/**
 * The `eval` section of a run config (and the `society eval` flags that fill it). The rest of what an
 * evaluation needs — task, model, agents, rounds, majority_k, debate sampling, seed — is the run
 * config's own (src/config/schema.ts). Knobs that only change speed are listed in SPEED_ONLY and left
 * out of the run id, so resuming with other threads/parallel settings finds the same run.
 */
import { z } from "zod";

export const EVAL_METHODS = ["single", "majority", "debate"] as const;
export type EvalMethod = (typeof EVAL_METHODS)[number];

export const evalSchema = z
  .object({
    method: z.enum(EVAL_METHODS).default("debate"),
    split: z.enum(["train", "test"]).default("test"),
    /** Majority samples k; default: the run config's agents. */
    k: z.number().int().positive().optional(),
    /** llama backend: CPU threads shared by all contexts (default: $SOCIETY_LLAMA_THREADS, else all math cores). */
    threads: z.number().int().positive().optional(),
    /** llama backend: parallel sequences per (base, adapter) context. */
    parallel: z.number().int().positive().default(8),
    /** Where runs/<run-id>/ folders go. */
    out_dir: z.string().default("runs"),
  })
  .strict();

export type EvalConfig = z.infer<typeof evalSchema>;
export type EvalConfigInput = z.input<typeof evalSchema>;

export const SPEED_ONLY = { eval: ["threads", "parallel", "out_dir"], debate: ["concurrency"] } as const;
