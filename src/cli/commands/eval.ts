import type { CommandModule } from "yargs";
import type { EvalArgs } from "../../evaluate/args.js";
import { TASK_NAMES } from "../../tasks/registry.js";
import { withStore } from "../with-store.js";

interface Args extends EvalArgs {
  json: boolean;
  db?: string;
}

/** `society eval`: accuracy of single / majority / debate on a task split; persisted, resumable by rerunning. */
const command: CommandModule<{}, Args> = {
  command: "eval",
  describe: "Evaluate single, majority or debate on a task split (rerun to resume)",
  builder: (y) =>
    y
      .option("config", { type: "string", describe: "YAML run config (flags override it)" })
      .option("task", { type: "string", describe: `${TASK_NAMES.join(" | ")}, or a task file (without --config)` })
      .option("split", { choices: ["train", "test"], describe: "split to evaluate (default test)" })
      .option("limit", { type: "number", describe: "at most this many questions" })
      .option("model", { type: "string", describe: 'base model: "tiny", a GGUF path, or a remote model id' })
      .option("backend", { choices: ["llama", "openai"], describe: "inference backend (default llama)" })
      .option("base-url", { type: "string", describe: "OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1" })
      .option("method", { choices: ["single", "majority", "debate"], describe: "evaluation method (default debate)" })
      .option("agents", { type: "number", describe: "N debate agents (default 3)" })
      .option("rounds", { type: "number", describe: "M debate rounds (default 2)" })
      .option("k", { type: "number", describe: "majority: samples per question (default: agents)" })
      .option("seed", { type: "number", describe: "run seed (default 1)" })
      .option("summarize", {
        type: "boolean",
        describe: "critics read a summary of the others' answers (default true; --no-summarize for raw answers)",
      })
      .option("max-tokens", { type: "number", describe: "tokens per reply (default 512)" })
      .option("temperature", { type: "number", describe: "sampling temperature (default 1.0)" })
      .option("top-p", { type: "number", describe: "nucleus sampling p (default 0.9)" })
      .option("concurrency", { type: "number", describe: "questions debated at once (default 8)" })
      .option("parallel", { type: "number", describe: "llama: parallel sequences per model context (default 8)" })
      .option("threads", { type: "number", describe: "llama: CPU threads (default $SOCIETY_LLAMA_THREADS or all cores)" })
      .option("name", { type: "string", describe: 'run name (default: the config\'s, else "eval")' })
      .option("out-dir", { type: "string", describe: "folder for runs/<run-id>/ (default runs)" })
      .option("json", { type: "boolean", default: false, describe: "print results.json to stdout instead of the summary" }) as any,
  handler: async (args) => {
    const { resolveEvalArgs } = await import("../../evaluate/args.js");
    const resolved = resolveEvalArgs(args);
    // Loaded here, not at CLI start: it pulls in node-llama-cpp or langchain.
    const { runEval } = await import("../../evaluate/run.js");
    const { fmt } = await import("../../util/progress.js");
    await withStore(args.db, async (store) => {
      const res = await runEval(resolved, { store, log: (l) => process.stderr.write(`${l}\n`) });
      if (args.json) {
        const { readFileSync } = await import("node:fs");
        process.stdout.write(readFileSync(`${res.dir}/results.json`, "utf8"));
        return;
      }
      const s = res.summary;
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      process.stdout.write(
        `run ${res.runId}${res.resumed ? " (resumed)" : ""}\n` +
          `accuracy ${pct(s.accuracy)} ± ${pct(s.stderr)} (${s.correct}/${s.questions}), unparsed ${s.unparsed} (turns ${s.unparsedTurns})\n` +
          `tokens ${s.promptTokens + s.completionTokens} (prompt ${s.promptTokens}, completion ${s.completionTokens}; generated now ${s.freshCompletionTokens})` +
          `, wall ${fmt(res.wallSeconds)}, ${res.tokensPerSecond.toFixed(1)} tok/s\n` +
          `results: ${res.dir}/results.json\n`,
      );
    });
  },
};
export default command;
