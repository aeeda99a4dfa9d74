import { basename, extname, join } from "node:path";
import type { CommandModule } from "yargs";
import { UserError } from "../../errors.js";
import { chatTemplateFrom, chatTemplateOptions, type ChatTemplateArgs } from "../chat-template-args.js";
import { DEFAULT_DPO_BETA, DEFAULT_LORA, DEFAULT_LORA_TARGETS, defaultOptim } from "../../training/defaults.js";
import { interruptSignal } from "../interrupt.js";
import { readChatJsonl } from "../../training/ggml/data/jsonl.js";
import { ggmlTrainer } from "../../training/ggml/index.js";
import { readPreferenceJsonl } from "../../training/preference-jsonl.js";
import type { Objective, TrainProgress, TrainRequest, TrainResult } from "../../training/types.js";

/**
 * `society train`: fine-tune a GGUF model with the local ggml trainer (LoRA or full), on chat JSONL (sft) or
 * preference-pair JSONL (dpo, OpenAI's or TRL's format).
 */

interface Args extends ChatTemplateArgs {
  model: string;
  data: string;
  objective: "sft" | "dpo";
  beta?: number;
  mode: "lora" | "full";
  out?: string;
  "init-adapter"?: string;
  rank?: number;
  alpha?: number;
  dropout?: number;
  targets?: string;
  lr?: number;
  epochs?: number;
  "batch-size"?: number;
  "grad-accum"?: number;
  "weight-decay"?: number;
  warmup?: number;
  schedule?: "cosine" | "linear" | "constant";
  "max-steps"?: number;
  "max-grad-norm"?: number;
  "val-fraction"?: number;
  "early-stop"?: number;
  ctx?: number;
  pack: boolean;
  seed: number;
  threads?: number;
}

const fmtTime = (s: number) => (s < 90 ? `${Math.round(s)}s` : s < 5400 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`);

/** DPO's two headline figures: the implicit reward margin and how often the chosen reply wins. */
function rewardsOf(m: Record<string, number> | undefined): string {
  const margin = m?.["rewards/margins"];
  const acc = m?.["rewards/accuracies"];
  return margin === undefined || acc === undefined ? "" : `margin ${margin.toFixed(3)} acc ${(100 * acc).toFixed(0)}%`;
}

function progressLine(p: TrainProgress): string {
  const val = p.valLoss !== undefined ? ` val ${p.valLoss.toFixed(4)}` : "";
  const rewards = rewardsOf(p.valMetrics ?? p.metrics);
  return `step ${p.step}/${p.totalSteps} epoch ${p.epoch} loss ${p.loss.toFixed(4)}${val}${rewards ? ` ${p.valMetrics ? "val " : ""}${rewards}` : ""} lr ${p.lr.toExponential(2)} ${Math.round(p.tokensPerSecond)} tok/s eta ${fmtTime(p.etaSeconds)}`;
}

/** At most ~`points` evenly spaced entries of the loss curve, always the first and the last. */
export function compactCurve(curve: TrainResult["lossCurve"], points = 12): string {
  if (curve.length === 0) return "(no steps)";
  const every = Math.max(1, Math.ceil(curve.length / points));
  const picked = curve.filter((_, i) => i % every === 0 || i === curve.length - 1);
  return picked.map((p) => `${p.step}:${p.loss.toFixed(3)}${p.valLoss !== undefined ? `/${p.valLoss.toFixed(3)}` : ""}`).join(" ");
}

const LORA_OPTIM = defaultOptim("lora");
const FULL_OPTIM = defaultOptim("full");

const command: CommandModule<{}, Args> = {
  command: "train",
  describe: "Fine-tune a GGUF with the local ggml trainer (LoRA or full): SFT on chat JSONL, DPO on preference pairs",
  builder: (y) =>
    chatTemplateOptions(y)
      .option("model", { type: "string", demandOption: true, describe: "base model (GGUF, llama/qwen2/qwen3/phi3/gemma2 architecture)" })
      .option("data", {
        type: "string",
        demandOption: true,
        describe:
          'JSONL, one per line. sft: {"messages": [{"role", "content"}, …]}. dpo: {"input": {"messages": […]}, "preferred_output": […], ' +
          '"non_preferred_output": […]} (OpenAI) or {"prompt": […], "chosen": […], "rejected": […]} (TRL, conversational)',
      })
      .option("objective", {
        choices: ["sft", "dpo"] as const,
        default: "sft" as const,
        describe: "sft: cross-entropy on the replies; dpo: Direct Preference Optimization on pairs",
      })
      .option("beta", {
        type: "number",
        describe: `DPO β: how far the model may move from the reference (default ${DEFAULT_DPO_BETA}; MALT uses 0.2)`,
      })
      .option("mode", { choices: ["lora", "full"] as const, default: "lora" as const, describe: "train a LoRA adapter or every weight" })
      .option("out", { type: "string", describe: "output GGUF (default runs/train/<data>-<mode>.gguf)" })
      .option("init-adapter", { type: "string", describe: "continue training this LoRA adapter" })
      .option("rank", { type: "number", describe: `LoRA rank (default ${DEFAULT_LORA.rank})` })
      .option("alpha", { type: "number", describe: "LoRA alpha (default 2 × rank)" })
      .option("dropout", { type: "number", describe: "LoRA dropout (default 0)" })
      .option("targets", {
        type: "string",
        describe: `LoRA projections, comma-separated (default ${DEFAULT_LORA_TARGETS.join(",")}; add output when the replies hold tokens the base never writes — training warns)`,
      })
      .option("lr", { type: "number", describe: `peak learning rate (default ${LORA_OPTIM.lr} lora, ${FULL_OPTIM.lr} full)` })
      .option("epochs", { type: "number", describe: `passes over the data (default ${LORA_OPTIM.epochs})` })
      .option("batch-size", {
        type: "number",
        describe: `rows per micro-batch (default ${LORA_OPTIM.batchSize}); dpo packs both replies of a pair into one micro-batch`,
      })
      .option("grad-accum", { type: "number", describe: `micro-batches per optimizer step (default ${LORA_OPTIM.gradAccum})` })
      .option("weight-decay", {
        type: "number",
        describe: `AdamW weight decay (default ${LORA_OPTIM.weightDecay} lora, ${FULL_OPTIM.weightDecay} full)`,
      })
      .option("warmup", { type: "number", describe: "warm-up steps (default 0)" })
      .option("schedule", { choices: ["cosine", "linear", "constant"] as const, describe: "learning-rate schedule (default cosine)" })
      .option("max-steps", { type: "number", describe: "stop after this many optimizer steps" })
      .option("max-grad-norm", { type: "number", describe: "clip the gradient norm (default 1, 0 = off)" })
      .option("val-fraction", { type: "number", describe: "fraction of examples (pairs) held out for validation (default 0)" })
      .option("early-stop", { type: "number", describe: "stop after this many validations without improvement" })
      .option("ctx", { type: "number", describe: "tokens per row (default: longest example, ≤ 1024)" })
      .option("pack", { type: "boolean", default: true, describe: "pack short examples into shared rows (--no-pack to pad)" })
      .option("seed", { type: "number", default: 0, describe: "seed for initialisation, shuffling and the validation split" })
      .option("threads", { type: "number", describe: "CPU threads (default: all cores)" }),
  handler: async (a) => {
    if (a.beta !== undefined && a.objective !== "dpo") throw new UserError("--beta applies to --objective dpo only");
    if (a.mode === "full" && (a.rank !== undefined || a.alpha !== undefined || a.targets !== undefined)) {
      throw new UserError("--rank, --alpha and --targets apply to --mode lora only");
    }
    const objective: Objective = a.objective === "dpo" ? { kind: "dpo", beta: a.beta ?? DEFAULT_DPO_BETA } : { kind: "sft" };
    const data: Pick<TrainRequest, "examples" | "pairs"> =
      a.objective === "dpo" ? { pairs: readPreferenceJsonl(a.data) } : { examples: readChatJsonl(a.data) };
    const out = a.out ?? join("runs", "train", `${basename(a.data, extname(a.data))}-${a.objective === "dpo" ? "dpo-" : ""}${a.mode}.gguf`);
    const tty = process.stderr.isTTY;
    let lastLine = 0;
    const signal = interruptSignal();
    let result: TrainResult;
    try {
      result = await ggmlTrainer.train({
        baseModelPath: a.model,
        objective,
        ...data,
        chatTemplate: chatTemplateFrom(a),
        mode: a.mode,
        outPath: out,
        initAdapterPath: a["init-adapter"],
        lora: {
          rank: a.rank,
          alpha: a.alpha,
          dropout: a.dropout,
          targets: a.targets
            ?.split(",")
            .map((t) => t.trim())
            .filter(Boolean),
        },
        optim: {
          lr: a.lr,
          epochs: a.epochs,
          batchSize: a["batch-size"],
          gradAccum: a["grad-accum"],
          weightDecay: a["weight-decay"],
          warmupSteps: a.warmup,
          schedule: a.schedule,
          maxSteps: a["max-steps"],
          maxGradNorm: a["max-grad-norm"],
        },
        valFraction: a["val-fraction"],
        earlyStopPatience: a["early-stop"],
        contextLength: a.ctx,
        pack: a.pack,
        seed: a.seed,
        threads: a.threads,
        signal,
        onLog: (m) => process.stderr.write(`${tty ? "\r\x1b[K" : ""}${m}\n`),
        onProgress: (p) => {
          const line = progressLine(p);
          if (tty) process.stderr.write(`\r\x1b[K${line}`);
          else if (Date.now() - lastLine > 5000 || p.step === p.totalSteps) {
            lastLine = Date.now();
            process.stderr.write(`${line}\n`);
          }
        },
      });
    } catch (e) {
      if (signal.aborted) throw new UserError(`training ${(signal.reason as Error).message} (nothing was written)`);
      throw e;
    } finally {
      if (tty) process.stderr.write("\n");
    }
    const w = (s: string) => process.stdout.write(`${s}\n`);
    w(`loss curve (step:train[/val]): ${compactCurve(result.lossCurve)}`);
    if (result.bestValLoss !== undefined)
      w(`best validation loss: ${result.bestValLoss.toFixed(4)}${result.stoppedEarly ? " (stopped early)" : ""}`);
    const lastStep = result.lossCurve[result.lossCurve.length - 1];
    const trainRewards = rewardsOf(lastStep?.metrics);
    if (trainRewards) w(`rewards (last step): ${trainRewards}`);
    const valRewards = rewardsOf(result.valMetrics);
    if (valRewards) w(`rewards (validation): ${valRewards}`);
    w(`${result.steps} steps, ${result.trainTokens} tokens, ${Math.round(result.tokensPerSecond)} tokens/s, ${fmtTime(result.seconds)}`);
    w(`wrote ${result.mode === "lora" ? "LoRA adapter" : "model"} ${result.outPath} (sha256 ${result.sha256})`);
  },
};

export default command;
