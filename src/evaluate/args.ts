/**
 * `society eval` flags → a resolved (run config, eval section). Flags override the YAML; without
 * --config the run config is built from flags alone (then --task is required). An `eval:` section in
 * the YAML is read when the run-config schema carries one.
 */
import { loadConfig, parseConfig } from "../config/load.js";
import { UserError } from "../errors.js";
import { evalSchema } from "./config.js";
import type { ResolvedEval } from "./resolve.js";

export interface EvalArgs {
  config?: string;
  task?: string;
  split?: string;
  limit?: number;
  model?: string;
  backend?: string;
  "base-url"?: string;
  method?: string;
  agents?: number;
  rounds?: number;
  k?: number;
  seed?: number;
  summarize?: boolean;
  "max-tokens"?: number;
  temperature?: number;
  "top-p"?: number;
  concurrency?: number;
  parallel?: number;
  threads?: number;
  name?: string;
  "out-dir"?: string;
}

export function resolveEvalArgs(a: EvalArgs): ResolvedEval {
  if (!a.config && !a.task) throw new UserError("society eval: give --config <file> or --task <name>");
  const split = (a.split ?? "test") as "train" | "test";
  const overrides: Record<string, unknown> = {
    name: a.name ?? (a.config ? undefined : "eval"),
    seed: a.seed,
    task: { name: a.task, ...(a.limit !== undefined ? { [split]: { limit: a.limit } } : {}) },
    model: {
      base: a.model,
      backend: a.backend,
      ...(a["base-url"] !== undefined ? { openai: { base_url: a["base-url"] } } : {}),
    },
    agents: a.agents,
    rounds: a.rounds,
    debate: {
      summarize: a.summarize,
      max_tokens: a["max-tokens"],
      temperature: a.temperature,
      top_p: a["top-p"],
      concurrency: a.concurrency,
    },
  };
  const run = a.config ? loadConfig(a.config, overrides) : parseConfig("{}", "<flags>", overrides);
  const fromYaml = (run as { eval?: Record<string, unknown> }).eval ?? {};
  const parsed = evalSchema.safeParse({
    ...fromYaml,
    ...defined({ method: a.method, split: a.split, k: a.k, threads: a.threads, parallel: a.parallel, out_dir: a["out-dir"] }),
  });
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new UserError(`eval.${i.path.join(".")}: ${i.message}`);
  }
  const { eval: _drop, ...runOnly } = run as typeof run & { eval?: unknown };
  return { run: runOnly as ResolvedEval["run"], eval: parsed.data };
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
