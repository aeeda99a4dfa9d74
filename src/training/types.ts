/**
 * The trainer contract shared by local (ggml) and remote (OpenAI) fine-tuning. A request names a base model,
 * the data (chat examples, or pre-tokenized sequences for pretraining) and the hyper-parameters; the result
 * names the written artifact (a LoRA adapter or a complete GGUF) and how training went.
 */

import type { ChatTemplateOptions } from "../backends/llama/chat-wrapper.js";
import type { ChatExample, ChatMessage } from "../chat.js";

/** One chat type for the whole project (OpenAI fine-tuning format; assistant `weight: 0` = context only). */
export type { ChatExample, ChatMessage };

/** A tokenized sequence; lossMask[i] = 1 trains the model to predict tokens[i] (lossMask[0] is ignored). */
export interface TokenSequence {
  tokens: number[];
  lossMask: number[];
}

export interface LoraOptions {
  rank: number;
  alpha: number;
  dropout: number;
  /** Projections to adapt: attn_q, attn_k, attn_v, attn_output, ffn_gate, ffn_up, ffn_down, output. */
  targets: string[];
}

export interface OptimOptions {
  lr: number;
  epochs: number;
  /** Rows (of contextLength tokens, sequences packed) per micro-batch. */
  batchSize: number;
  /** Micro-batches whose gradients are summed before one optimizer step. */
  gradAccum: number;
  weightDecay: number;
  warmupSteps: number;
  schedule: "cosine" | "linear" | "constant";
  /** Stop after this many optimizer steps even if epochs remain. */
  maxSteps?: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Clip the global gradient norm (0 disables). */
  maxGradNorm: number;
}

export interface TrainProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  /** The objective's mean loss over this optimizer step (sft: cross-entropy per trained token; dpo: per pair). */
  loss: number;
  valLoss?: number;
  /** The objective's own figures for this step, means over its units (dpo: TRL's rewards/…, logps/…). */
  metrics?: Record<string, number>;
  /** The same over the validation set, when it was evaluated at this step. */
  valMetrics?: Record<string, number>;
  lr: number;
  gradNorm?: number;
  tokensPerSecond: number;
  etaSeconds: number;
}

/**
 * A preference pair (DPO): one prompt, the preferred and the rejected reply. `prompt` holds the context
 * (system/user/earlier turns); `chosen` / `rejected` the assistant message(s) that follow it. The sequence
 * log-probabilities under the frozen reference (summed over the reply tokens) are filled once by
 * `Trainer.referenceLogprobs` and stored with the dataset, so a resumed run does not recompute them.
 */
export interface PreferencePair {
  prompt: ChatMessage[];
  chosen: ChatMessage[];
  rejected: ChatMessage[];
  refChosenLogp?: number;
  refRejectedLogp?: number;
}

/**
 * The loss head over the one training loop, with its config. `sft`: masked next-token cross-entropy (default).
 * A new objective adds its member here and one file under ggml/objectives/.
 */
export type Objective =
  | { kind: "sft" }
  /**
   * −log σ(β[(log π(y_w|x) − log π_ref(y_w|x)) − (log π(y_l|x) − log π_ref(y_l|x))]), the mean over pairs; log π
   * summed over the reply tokens. β > 0 (TRL's default 0.1, training/defaults.ts; MALT uses 0.2).
   */
  | { kind: "dpo"; beta: number }
  /**
   * MAGDi (Chen et al., 2024): α·(next-token loss on correct nodes' replies) + β·(node classification by a
   * 2-layer GCN over the interaction graph, node features = the student's pooled last hidden states) +
   * γ·(margin ranking of correct over incorrect nodes of one question, scored by an MLP over the same
   * pooled states), each a mean over its units in a micro-batch. Paper: α 1, β 1, γ 0.1, margin 1, GCN
   * hidden 512, dropout 0.5 (training/defaults.ts). The GCN and MLP are training-only heads, never saved.
   */
  | { kind: "magdi"; alpha: number; beta: number; gamma: number; margin: number; gcnHidden?: number; gcnDropout?: number };

/** MAGDi's node classes, in the paper code's label order (1 correct, 0 incorrect, 2 absent) remapped to names. */
export type GraphNodeLabel = "correct" | "incorrect" | "absent";

/**
 * One question's interaction graph as the MAGDi student trains on it: each node is a chat (the question as the
 * student sees it, then one agent's response of one round as the assistant reply; an absent node's reply is the
 * paper code's placeholder "None") with its label; edges are directed (source → target, round r → r + 1).
 */
export interface TrainGraph {
  nodes: { messages: ChatMessage[]; label: GraphNodeLabel }[];
  edges: [number, number][];
}

export interface TrainRequest {
  baseModelPath: string;
  /** Default `{ kind: "sft" }`. `dpo` trains on `pairs`. */
  objective?: Objective;
  /** Preference pairs, for `objective.kind === "dpo"`. */
  pairs?: PreferencePair[];
  /** Interaction graphs, for `objective.kind === "magdi"`. */
  graphs?: TrainGraph[];
  /**
   * Chat examples, rendered with the model's chat template; only assistant tokens are trained on (and not
   * those of assistant messages with weight 0, which stay as context).
   */
  examples?: ChatExample[];
  /**
   * Which template renders `examples` (default the model's own tokenizer.chat_template, with strftime_now
   * pinned to today): a run passes its config's model.chat_template, the one its inference renders with.
   */
  chatTemplate?: ChatTemplateOptions;
  /** Alternative to `examples`: already tokenized sequences with their loss masks (pretraining). */
  sequences?: TokenSequence[];
  mode: "lora" | "full";
  /** Where to write the adapter (lora) or the complete model (full). */
  outPath: string;
  /** Continue training an existing LoRA adapter of the same base (its rank, alpha and targets win). */
  initAdapterPath?: string;
  lora?: Partial<LoraOptions>;
  optim?: Partial<OptimOptions>;
  /** Fraction of examples held out for validation loss (default 0). */
  valFraction?: number;
  /** Stop after this many validations without improvement, keeping the best weights (default: never). */
  earlyStopPatience?: number;
  /** Validate every this many optimizer steps (default: about ten times per run, and at the end). */
  evalEvery?: number;
  /** Positions per row (default: the longest example, at most the model's context and 1024). */
  contextLength?: number;
  /** Pack several short sequences into one row (default true). */
  pack?: boolean;
  seed: number;
  /** CPU threads (default: all cores). */
  threads?: number;
  onProgress?: (p: TrainProgress) => void;
  /** Human-readable notes (warnings, setup facts) as training proceeds. */
  onLog?: (message: string) => void;
  signal?: AbortSignal;
}

export interface TrainResult {
  /** The adapter or model file written, or (kind "remote") the fine-tuned model's id at the provider. */
  outPath: string;
  sha256: string;
  mode: "lora" | "full";
  /** What the trainer produced, as the store keeps it: a LoRA adapter, a complete model, or a remote model id. */
  kind: "lora" | "full" | "remote";
  lossCurve: { step: number; loss: number; valLoss?: number; metrics?: Record<string, number>; valMetrics?: Record<string, number> }[];
  /** Non-padding tokens processed by forward+backward passes (all epochs). */
  trainTokens: number;
  /** trainTokens per second of training time. */
  tokensPerSecond: number;
  seconds: number;
  steps: number;
  bestValLoss?: number;
  /** The objective's figures at the last validation (dpo: held-out rewards/margins, rewards/accuracies, …). */
  valMetrics?: Record<string, number>;
  stoppedEarly: boolean;
  warnings: string[];
}

export interface ReferenceLogprobsRequest {
  baseModelPath: string;
  /** The frozen reference: the agent's adapter before this round (absent: the base itself). */
  adapterPath?: string;
  pairs: PreferencePair[];
  /** As in the TrainRequest the log-probs are for. */
  chatTemplate?: ChatTemplateOptions;
  /** Positions per row, as in the TrainRequest the log-probs are for (replies longer are cut the same way). */
  contextLength?: number;
  threads?: number;
  onLog?: (message: string) => void;
  signal?: AbortSignal;
}

export interface Trainer {
  train(req: TrainRequest): Promise<TrainResult>;
  /**
   * Sequence log-probs of each pair's chosen and rejected reply under the reference model (reply tokens
   * only, prompt masked). Local trainers implement it; remote ones (OpenAI computes its own) leave it out.
   */
  referenceLogprobs?(req: ReferenceLogprobsRequest): Promise<{ chosen: number; rejected: number }[]>;
}
