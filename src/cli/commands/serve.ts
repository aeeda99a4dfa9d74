import type { CommandModule } from "yargs";
import { UserError } from "../../errors.js";
import { chatTemplateFrom, chatTemplateOptions, type ChatTemplateArgs } from "../chat-template-args.js";
import { openStore, type Store } from "../../store/index.js";
import { startServe } from "../../server/start.js";
import { interruptSignal } from "../interrupt.js";
import { DEFAULT_LORA, defaultOptim } from "../../training/defaults.js";

/** `society serve`: local models, a run's agents, the debating society and the local trainer behind an OpenAI-compatible API. */

interface Args extends ChatTemplateArgs {
  model?: string[];
  run?: string;
  "society-method"?: string;
  "society-agents": number;
  "society-rounds": number;
  "society-task": string;
  "society-summarize": boolean;
  "society-model"?: string;
  host: string;
  "allow-host"?: string[];
  "allow-origin"?: string[];
  port: number;
  "api-key-env": string;
  "data-dir": string;
  "max-body-mb": number;
  "max-file-mb": number;
  "max-tokens": number;
  "max-n": number;
  "ft-epochs"?: number;
  "ft-batch-size"?: number;
  "ft-lr"?: number;
  "ft-rank"?: number;
  "ft-alpha"?: number;
  "ft-threads"?: number;
  "ft-ctx"?: number;
  "ft-max-queued": number;
  threads?: number;
  parallel: number;
  "context-size": number;
  gpu: string;
  db?: string;
}

/** The defaults a job saying "auto" gets (the one set: config/training-defaults.ts), shown in --help. */
const LORA_OPTIM = defaultOptim("lora");

const command: CommandModule<{}, Args> = {
  command: "serve",
  describe: "Serve models, agents, the society and fine-tuning over an OpenAI-compatible API",
  builder: (y) =>
    chatTemplateOptions(y)
      .option("model", { type: "string", array: true, describe: "a GGUF path, tiny, tiny:<recipe>, or <id>=<one of those> (repeatable)" })
      .option("run", { type: "string", describe: "serve every agent version of this run (from --db) and its society" })
      .option("society-method", {
        type: "string",
        describe: "which method's agents form the society (default the run's first society method)",
      })
      .option("society-agents", { type: "number", default: 3, describe: "without --run: N agents (copies of --society-model)" })
      .option("society-rounds", { type: "number", default: 2, describe: "without --run: debate rounds" })
      .option("society-task", {
        type: "string",
        default: "math",
        describe: "without --run: the task whose prompts and answer extraction the society uses",
      })
      .option("society-summarize", {
        type: "boolean",
        default: true,
        describe: "without --run: critics read a summary of the others' answers",
      })
      .option("society-model", { type: "string", describe: "without --run: the served model id the society copies (default the first)" })
      .option("host", { type: "string", default: "127.0.0.1", describe: "bind address (anything but loopback requires an API key)" })
      .option("allow-host", {
        type: "string",
        array: true,
        describe: "also answer requests whose Host header names this (repeatable; loopback names and --host always; * = any)",
      })
      .option("allow-origin", {
        type: "string",
        array: true,
        describe: "let browser pages from this origin call the API, e.g. http://localhost:3000 (repeatable; * = any; default none)",
      })
      .option("port", { type: "number", default: 8080, describe: "port (0: any free one)" })
      .option("api-key-env", {
        type: "string",
        default: "SOCIETY_API_KEY",
        describe: "environment variable holding the API key (unset: no key on loopback)",
      })
      .option("data-dir", { type: "string", default: "runs/serve", describe: "uploaded files, fine-tuning jobs and their adapters" })
      .option("max-body-mb", { type: "number", default: 1, describe: "largest JSON request body (413 beyond)" })
      .option("max-file-mb", { type: "number", default: 64, describe: "largest uploaded training file (413 beyond)" })
      .option("max-tokens", { type: "number", default: 512, describe: "largest max_tokens per choice (and the default)" })
      .option("max-n", { type: "number", default: 16, describe: "largest n per request" })
      .option("ft-epochs", { type: "number", describe: `fine-tuning: epochs when a job says auto (default ${LORA_OPTIM.epochs})` })
      .option("ft-batch-size", {
        type: "number",
        describe: `fine-tuning: batch size when a job says auto (default ${LORA_OPTIM.batchSize})`,
      })
      .option("ft-lr", {
        type: "number",
        describe: `fine-tuning: the learning rate of learning_rate_multiplier 1 (default ${LORA_OPTIM.lr})`,
      })
      .option("ft-rank", { type: "number", describe: `fine-tuning: LoRA rank (default ${DEFAULT_LORA.rank})` })
      .option("ft-alpha", { type: "number", describe: `fine-tuning: LoRA alpha (default ${DEFAULT_LORA.alpha})` })
      .option("ft-threads", { type: "number", describe: "fine-tuning: trainer threads (default all cores)" })
      .option("ft-ctx", { type: "number", describe: "fine-tuning: tokens per training row (default the longest example)" })
      .option("ft-max-queued", {
        type: "number",
        default: 32,
        describe: "fine-tuning: jobs that may wait behind the running one (429 beyond)",
      })
      .option("threads", { type: "number", describe: "inference threads (default $SOCIETY_LLAMA_THREADS or all)" })
      .option("parallel", { type: "number", default: 8, describe: "parallel sequences per loaded model" })
      .option("context-size", { type: "number", default: 2048, describe: "tokens per sequence (prompt + reply)" })
      .option("gpu", { choices: ["auto", "false", "cuda", "vulkan", "metal"], default: "auto", describe: "inference device" }),
  handler: async (a) => {
    const apiKey = process.env[a["api-key-env"]] || undefined;
    const err = (line: string) => process.stderr.write(`${line}\n`);
    for (const [k, v] of [
      ["max-body-mb", a["max-body-mb"]],
      ["max-file-mb", a["max-file-mb"]],
      ["max-tokens", a["max-tokens"]],
      ["max-n", a["max-n"]],
    ] as const) {
      if (!(v > 0)) throw new UserError(`--${k} must be > 0`);
    }
    const whole = (k: keyof Args, min: number) => {
      const v = a[k] as number | undefined;
      if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new UserError(`--${k} must be a whole number ≥ ${min} (got ${v})`);
    };
    whole("port", 0);
    if (a.port > 65535) throw new UserError(`--port must be at most 65535 (got ${a.port})`);
    whole("ft-max-queued", 0);
    for (const k of ["parallel", "context-size", "ft-epochs", "ft-batch-size", "ft-rank", "ft-threads", "ft-ctx", "threads"] as const)
      whole(k, 1);
    let store: Store | undefined;
    if (a.run) store = await openStore(a.db);
    try {
      const server = await startServe({
        models: a.model,
        run: a.run && store ? { store, runId: a.run, method: a["society-method"] } : undefined,
        society: {
          agents: a["society-agents"],
          rounds: a["society-rounds"],
          summarize: a["society-summarize"],
          task: a["society-task"],
          model: a["society-model"],
          temperature: 1,
          topP: 0.9,
          maxTokens: a["max-tokens"],
        },
        host: a.host,
        allowHosts: a["allow-host"],
        allowOrigins: a["allow-origin"],
        port: a.port,
        apiKey,
        apiKeyEnv: a["api-key-env"],
        dataDir: a["data-dir"],
        limits: {
          maxBodyBytes: Math.round(a["max-body-mb"] * 2 ** 20),
          maxFileBytes: Math.round(a["max-file-mb"] * 2 ** 20),
          maxTokens: a["max-tokens"],
          maxChoices: a["max-n"],
        },
        fineTune: {
          ...(a["ft-epochs"] ? { epochs: a["ft-epochs"] } : {}),
          ...(a["ft-batch-size"] ? { batchSize: a["ft-batch-size"] } : {}),
          ...(a["ft-lr"] ? { lr: a["ft-lr"] } : {}),
          ...(a["ft-rank"]
            ? { lora: { rank: a["ft-rank"], alpha: a["ft-alpha"] ?? 2 * a["ft-rank"] } }
            : a["ft-alpha"]
              ? { lora: { rank: DEFAULT_LORA.rank, alpha: a["ft-alpha"] } }
              : {}),
          threads: a["ft-threads"],
          contextLength: a["ft-ctx"],
          maxQueued: a["ft-max-queued"],
        },
        llama: {
          threads: a.threads,
          parallel: a.parallel,
          contextSize: a["context-size"],
          gpu: a.gpu === "false" ? false : (a.gpu as "auto"),
          chatTemplate: chatTemplateFrom(a),
        },
        log: err,
      });
      process.stdout.write(
        `society serve: listening on ${server.url}/v1 (models: ${server.registry.ids().join(", ")}${apiKey ? "; API key required" : ""})\n`,
      );
      const stop = interruptSignal(); // SIGINT/SIGTERM: close cleanly (forced after a few seconds)
      await new Promise<void>((done) => stop.addEventListener("abort", () => done(), { once: true }));
      err("society serve: shutting down");
      await server.close();
    } finally {
      await store?.close();
    }
  },
};

export default command;
