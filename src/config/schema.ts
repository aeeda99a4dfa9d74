import { z } from "zod";
import { isTaskRef, TASK_NAMES } from "../tasks/registry.js";
import { TRAINING_DEFAULTS } from "./training-defaults.js";

/**
 * The run configuration. YAML keys are snake_case and so are these fields, so what a user reads in
 * the stored resolved config is exactly what they wrote. Every section is strict: an unknown key is
 * an error, because a misspelt key silently ignored is how experiments go wrong.
 */

const splitSpec = z
  .object({
    path: z.string().optional().describe("a data file (JSONL, JSON, CSV, Parquet) or pattern instead of the task's own source"),
    limit: z.number().int().positive().optional(),
    offset: z.number().int().nonnegative().default(0),
  })
  .strict();

const dataFile = z
  .object({
    path: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    rows: z.number().int().nonnegative(),
    hub: z.object({ repo: z.string(), revision: z.string(), file: z.string() }).strict().optional(),
  })
  .strict();

export const taskSchema = z
  .object({
    name: z
      .string()
      .refine(isTaskRef, (v) => ({ message: `unknown task "${v}": one of ${TASK_NAMES.join(", ")}, or the path of a task file (*.yaml)` }))
      .describe("a registered task, or the path of a task file (relative to the config file)"),
    options: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])).default({}),
    train: splitSpec.default({}),
    test: splitSpec.default({}),
    data_files: z
      .object({ train: z.array(dataFile).optional(), test: z.array(dataFile).optional() })
      .strict()
      .optional()
      .describe("written by a run: the files each split was read from, with sha256; a resumed run refuses other data"),
  })
  .strict();

export const openaiEndpointSchema = z
  .object({
    base_url: z.string().url().optional(),
    api_key_env: z.string().default("OPENAI_API_KEY"),
    concurrency: z.number().int().positive().default(8),
    timeout_s: z.number().positive().default(120),
    max_retries: z.number().int().nonnegative().default(4),
  })
  .strict();

export const endpointSchema = z
  .object({
    url: z.string().url().describe("an OpenAI-compatible base URL, e.g. http://gpu1:8080/v1"),
    concurrency: z.number().int().positive().default(4).describe("requests in flight at once on this endpoint"),
    adapters: z
      .enum(["none", "lora", "model"]) // src/backends/openai/addressing.ts
      .default("none")
      .describe(
        "how a request names an agent's LoRA adapter: lora (llama-server's per-request lora list), model (vLLM --lora-modules, society serve agent ids), none (remote ids only)",
      ),
    api_key_env: z.string().optional().describe("default: model.openai.api_key_env"),
  })
  .strict();

export const chatTemplateSchema = z
  .object({
    source: z
      .string()
      .min(1)
      .default("model")
      .describe(
        '"model": the GGUF\'s own tokenizer.chat_template; "auto": node-llama-cpp\'s built-in choice; a node-llama-cpp wrapper name (chatML, llama3.1, …); or a .jinja file',
      ),
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD")
      .optional()
      .describe(
        "the day strftime_now() renders (Llama 3.1/3.2 write it into every prompt); written by a run: the day it started, kept on resume",
      ),
    variables: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .default({})
      .describe("extra template variables, e.g. enable_thinking: false (Qwen3)"),
  })
  .strict()
  .describe("how chats render for training and inference alike");

export const modelSchema = z
  .object({
    base: z.string().default("tiny").describe('"tiny" (built by `society model tiny`), a GGUF path, or a remote model id'),
    tiny_recipe: z.enum(["default", "test"]).default("default"),
    backend: z.enum(["llama", "openai"]).default("llama"),
    openai: openaiEndpointSchema.default({}),
    endpoints: z
      .array(endpointSchema)
      .nonempty()
      .optional()
      .describe(
        "a pool of OpenAI-compatible servers the debates spread over (needs backend: openai; timeouts and retries from model.openai); not part of the run id",
      ),
    context_size: z.number().int().positive().default(2048),
    gpu: z.union([z.literal("auto"), z.literal(false), z.enum(["cuda", "vulkan", "metal"])]).default("auto"),
    chat_template: chatTemplateSchema.default({}),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.endpoints && m.backend !== "openai")
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["endpoints"], message: "model.endpoints needs model.backend: openai" });
    if (m.endpoints && m.openai.base_url)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["openai", "base_url"],
        message: "give either model.openai.base_url or model.endpoints, not both",
      });
  });

/**
 * One agent's own model and backend (heterogeneous agents, e.g. MAGDi's teachers): a local GGUF ("tiny" with
 * its recipe, or a path), a model id on an OpenAI-compatible endpoint, or "provider:model" through langchain.
 */
export const agentModelSchema = z
  .object({
    base: z.string().min(1).describe('"tiny", a GGUF path (llama), a model id (openai) or "provider:model" (langchain)'),
    tiny_recipe: z.enum(["default", "test"]).default("default"),
    backend: z.enum(["llama", "openai", "langchain"]).default("llama"),
    openai: openaiEndpointSchema.optional().describe("backend openai: its endpoint (default: model.openai)"),
    langchain: z
      .object({
        fields: z.record(z.string(), z.unknown()).default({}).describe("extra constructor fields of the provider's chat model"),
        concurrency: z.number().int().positive().default(8),
        timeout_s: z.number().positive().default(120),
        max_retries: z.number().int().nonnegative().default(4),
      })
      .strict()
      .optional(),
  })
  .strict();
export type AgentModelConfig = z.infer<typeof agentModelSchema>;

export const debateSchema = z
  .object({
    summarize: z.boolean().default(true),
    summarizer: z.enum(["base"]).default("base"),
    temperature: z.number().min(0).max(2).default(1.0),
    top_p: z.number().gt(0).max(1).default(0.9),
    max_tokens: z.number().int().positive().default(512),
    concurrency: z.number().int().positive().default(8).describe("questions debated at once"),
  })
  .strict();

export const methodNames = [
  "multiagent-ft",
  "single-agent-ft",
  "majority-ft",
  "star",
  "debate",
  "majority",
  "base",
  "multiagent-ft-no-summary",
  "multiagent-ft-no-critic",
  "single-agent-all-data",
  "malt",
  "malt-sft-only",
  "saie",
  "saie-supportive",
  "saie-adversarial",
  "saie-sft",
  "magdi",
  "magdi-nt",
  "magdi-nt-mr",
] as const;
export type MethodName = (typeof methodNames)[number];

// Defaults come from training-defaults.ts, the one source the trainer and `society train` also use.
const LORA = TRAINING_DEFAULTS.lora;
const OPTIM = TRAINING_DEFAULTS.optim;
const BY_MODE = TRAINING_DEFAULTS.byMode;

export const loraSchema = z
  .object({
    rank: z.number().int().positive().default(LORA.rank),
    alpha: z.number().positive().default(LORA.alpha),
    dropout: z.number().min(0).lt(1).default(LORA.dropout),
    targets: z
      .array(z.string())
      .nonempty()
      .default([...LORA.targets] as [string, ...string[]])
      .describe("add output when replies hold tokens the base never writes (the trainer warns, naming them)"),
  })
  .strict();

export const optimSchema = z
  .object({
    lr: z.number().positive().optional().describe(`default by training.mode: ${BY_MODE.lora.lr} lora, ${BY_MODE.full.lr} full`),
    epochs: z.number().int().positive().default(OPTIM.epochs),
    batch_size: z.number().int().positive().default(OPTIM.batchSize),
    grad_accum: z.number().int().positive().default(OPTIM.gradAccum),
    weight_decay: z
      .number()
      .min(0)
      .optional()
      .describe(`default by training.mode: ${BY_MODE.lora.weightDecay} lora, ${BY_MODE.full.weightDecay} full`),
    warmup_steps: z.number().int().nonnegative().default(OPTIM.warmupSteps),
    schedule: z.enum(["cosine", "linear", "constant"]).default(OPTIM.schedule),
    max_steps: z.number().int().positive().optional(),
  })
  .strict();

export const trainingSchema = z
  .object({
    trainer: z.enum(["local", "openai"]).default("local"),
    mode: z.enum(["lora", "full"]).default("lora"),
    continue_from_previous: z.boolean().default(true).describe("false: restart every agent from the base each iteration"),
    lora: loraSchema.default({}),
    optim: optimSchema.default({}),
    val_fraction: z.number().min(0).lt(1).default(0.1),
    early_stop_patience: z.number().int().nonnegative().default(2),
    context_length: z.number().int().positive().default(1024),
    threads: z.number().int().positive().optional(),
    openai_suffix: z.string().optional(),
  })
  .strict()
  // lr and weight decay depend on the mode; filled here so the stored resolved config shows the values used.
  .transform((t) => {
    const d = BY_MODE[t.mode];
    return { ...t, optim: { ...t.optim, lr: t.optim.lr ?? d.lr, weight_decay: t.optim.weight_decay ?? d.weightDecay } };
  });

export const datasetsSchema = z
  .object({
    w: z.number().min(0).max(1).default(0.5).describe("share of critic data drawn from C− (wrong then corrected); the rest from C+"),
    critic_size: z
      .enum(["all", "generator"])
      .default("all")
      .describe("size of the mixed critic set: all available rows, or as many as the agent's generator set"),
    min_votes: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "deviation from the paper (off by default): a debate's ŷ labels training data only when at least this many agents gave it in the final round",
      ),
  })
  .strict();

export const metricsSchema = z
  .object({
    nll_samples: z.number().int().nonnegative().default(16).describe("responses per agent pair scored for cross-agent NLL"),
    embedding_model: z
      .string()
      .min(1)
      .optional()
      .describe('GGUF model for response embedding dissimilarity: a path, or "base" for the run\'s (frozen) local base model'),
  })
  .strict();

export const trackingSchema = z
  .object({
    mlflow: z
      .object({
        uri: z
          .string()
          .url()
          .refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL of an MLflow tracking server"),
        experiment: z.string().min(1).default("society"),
        timeout_s: z.number().positive().default(10).describe("per request; a slow or absent server never slows the run"),
      })
      .strict()
      .optional(),
    tensorboard: z
      .object({ dir: z.string().min(1).default("runs/tensorboard").describe("event files go to <dir>/<run-id>/") })
      .strict()
      .optional(),
  })
  .strict()
  .describe("optional experiment trackers, fed from the store's writes; not part of the run id");

export const maltSchema = z
  .object({
    branching: z
      .number()
      .int()
      .min(1)
      .max(9)
      .default(3)
      .describe("n: generator answers per question, critiques per answer, refinements per critique (n³ leaves)"),
    chains: z
      .number()
      .int()
      .positive()
      .default(3)
      .describe("k: parallel generator → verifier → refiner chains at inference, majority-voted"),
    threshold: z.number().gt(0).lt(1).default(0.5).describe("a node is correct when its value (mean of its leaves' rewards) is above this"),
    train_questions: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("expand trees on only the first this many train questions (default: all)"),
    dpo: z
      .object({
        beta: z.number().positive().default(0.2),
        lr: z.number().positive().optional().describe("default: training.optim.lr"),
        epochs: z.number().int().positive().optional().describe("default: training.optim.epochs"),
      })
      .strict()
      .default({}),
  })
  .strict();
export type MaltConfig = z.infer<typeof maltSchema>;

export const saieSchema = z
  .object({
    rounds: z.number().int().min(1).max(8).default(2).describe("partner remark → learner reply exchanges after the learner's first answer"),
    supportive_share: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe("chance a remark is supportive (saie); saie-supportive uses 1, saie-adversarial 0"),
    reference: z
      .enum(["gold", "majority"])
      .default("gold")
      .describe("what remarks support or attack: the train split's gold answer, or the partner's majority vote (no gold; no warm-up)"),
    reference_votes: z.number().int().positive().default(3).describe('reference "majority": independent partner answers voted on'),
    partner: z
      .string()
      .min(1)
      .optional()
      .describe("the partner model (a GGUF path or remote id); default: the frozen base. It never trains"),
    warmup_questions: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("warm-up phase: SFT on the gold solutions of the first this many train questions (default: a quarter of them; 0: none)"),
    train_questions: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("discussions on only the first this many train questions (default: all)"),
  })
  .strict();
export type SaieConfig = z.infer<typeof saieSchema>;

// MAGDi (Chen et al., 2024): the student and its objective. Defaults: the paper's (dinobby/MAGDi train.py).
const MAGDI = TRAINING_DEFAULTS.magdi;
export const magdiSchema = z
  .object({
    student: z
      .object({
        base: z.string().default("tiny").describe('"tiny" (with tiny_recipe) or a GGUF path: the model distilled into, trained locally'),
        tiny_recipe: z.enum(["default", "test"]).default("test"),
      })
      .strict()
      .default({}),
    alpha: z.number().min(0).default(MAGDI.alpha).describe("weight of the next-token loss on correct nodes"),
    beta: z.number().min(0).default(MAGDI.beta).describe("weight of the GCN node classification"),
    gamma: z.number().min(0).default(MAGDI.gamma).describe("weight of the margin ranking"),
    margin: z.number().min(0).default(MAGDI.margin),
    gcn_hidden: z.number().int().positive().default(MAGDI.gcnHidden),
    gcn_dropout: z.number().min(0).lt(1).default(MAGDI.gcnDropout),
    self_consistency: z.number().int().positive().default(5).describe("k: student samples per test question, majority-voted"),
  })
  .strict();
export type MagdiConfig = z.infer<typeof magdiSchema>;

export const runConfigSchema = z
  .object({
    name: z.string().min(1).default("run"),
    seed: z.number().int().nonnegative().default(1),
    task: taskSchema,
    model: modelSchema.default({}),
    methods: z.array(z.enum(methodNames)).nonempty().default(["multiagent-ft"]),
    agents: z.number().int().positive().default(3).describe("N: generators, and as many critics"),
    rounds: z.number().int().positive().default(2).describe("M: debate rounds"),
    iterations: z.number().int().nonnegative().default(3).describe("L: finetuning iterations"),
    debate: debateSchema.default({}),
    datasets: datasetsSchema.default({}),
    training: trainingSchema.default({}),
    metrics: metricsSchema.default({}),
    tracking: trackingSchema.optional(),
    // Optional sections, so configs without them keep their resolved form (and run id); maltSettings(),
    // saieSettings() and magdiSettings() fill defaults.
    malt: maltSchema.optional(),
    saie: saieSchema.optional(),
    agent_models: z
      .array(agentModelSchema)
      .nonempty()
      .optional()
      .describe("agent n's own model and backend in the untrained society (the teachers); default: model.base for every agent"),
    magdi: magdiSchema.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.agent_models && c.agent_models.length !== c.agents) {
      ctx.addIssue({
        code: "custom",
        path: ["agent_models"],
        message: `names ${c.agent_models.length} models for ${c.agents} agents (one per agent)`,
      });
    }
  });

/** The run's MAGDi settings with defaults filled (the section is optional). */
export function magdiSettings(config: { magdi?: MagdiConfig }): MagdiConfig {
  return config.magdi ?? magdiSchema.parse({});
}

/** The run's MALT settings with defaults filled (the section is optional). */
export function maltSettings(config: { malt?: MaltConfig }): MaltConfig {
  return config.malt ?? maltSchema.parse({});
}

/** The run's SAIE settings with defaults filled (the section is optional). */
export function saieSettings(config: { saie?: SaieConfig }): SaieConfig {
  return config.saie ?? saieSchema.parse({});
}

export type RunConfig = z.infer<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;
