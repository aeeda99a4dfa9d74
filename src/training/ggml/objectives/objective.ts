/**
 * The seam between the one training loop (../trainer.ts, ../session.ts) and an objective (TRL's shape: one
 * loop, one config per objective, `compute_loss` the only override). An objective is one file that exports
 * an ObjectiveRunner: it tokenizes its own data, plans the micro-batches, and gives the LossHead that turns
 * the forward pass's outputs (logits, last hidden states) into a scalar loss inside the ggml graph, so
 * autograd differentiates it with the model. A head may own trainable tensors (e.g. an MLP over pooled
 * states); they are optimized with the model's and dropped at save.
 */
import type { Ctx, Ggml, Tensor } from "../ffi/index.js";
import type { ChatRenderer } from "../data/chat.js";
import type { Row } from "../data/rows.js";
import type { ForwardOutputs } from "../model/graph.js";
import type { TrainRequest } from "../../types.js";

/** Next-token targets of the uploaded batch, shared by every token-level head. */
export interface Targets {
  /** F32 [1, N]: 1 where the position's next token is trained on, else 0. */
  rowMask: Tensor;
  /** F32 [V, N]: one-hot next-token targets (zero columns where rowMask is 0). */
  labels: Tensor;
}

/** One micro-batch: exactly B rows of T positions, and what the head needs to know about them. */
export interface MicroBatch<P = unknown> {
  rows: Row[];
  /** What the loss is a mean over (SFT: trained tokens; DPO: pairs). */
  units: number;
  payload: P;
}

/** What a head may allocate when the session is built (persistent: never reused by the graph allocator). */
export interface HeadSetup {
  g: Ggml;
  T: number;
  B: number;
  /** T · B positions; position t of row b is t + T·b. */
  N: number;
  /** Vocabulary size. */
  V: number;
  nEmbd: number;
  /** An input tensor the head uploads per batch (`g.backend.tensor_set`). */
  input(name: string, type: number, ne: number[]): Tensor;
  /** A trainable tensor the head owns, initialised to `init`: optimized with the model's, never saved. */
  param(name: string, ne: number[], init: Float32Array): Tensor;
}

export interface HeadGraph {
  /** Scalar; its value times the head's lossScale is the sum of the batch's per-unit losses. */
  loss: Tensor;
  /** Tensors read back after a run (per-sequence log-probs, scores): flagged as graph outputs. */
  outputs: Record<string, Tensor>;
}

export interface LossHead<P = unknown> {
  /** loss · lossScale = Σ unit losses; the loop seeds the backward pass with lossScale / (units in the step). */
  readonly lossScale: number;
  /** Builds the loss over the forward outputs (called once per compiled graph: train, fused, eval). */
  build(ctx: Ctx, fwd: ForwardOutputs, targets: Targets, o: { forBackward: boolean }): HeadGraph;
  /**
   * Uploads the head's own inputs for a micro-batch (the rows and targets are uploaded by the session);
   * `training` is true for an optimizer step (heads with their own dropout draw a mask then), false for eval.
   */
  upload(batch: MicroBatch<P>, o: { training: boolean }): void;
  /** Sums of metrics over a batch from its read-back outputs; the loop adds them up and divides by units. */
  metrics?(outputs: Record<string, Float32Array>, batch: MicroBatch<P>): Record<string, number>;
}

/** The compute an objective may use before training (the session in its initial state, eval mode). */
export interface EvalSession {
  setMicroBatch(mb: MicroBatch): void;
  /** Forward only; the head's outputs. */
  evalOutputs(): Promise<Record<string, Float32Array>>;
}

export interface TrainingPlan<P = unknown> {
  /** Positions per row. */
  T: number;
  /** Every epoch's micro-batches in training order, planned up front so step counts are exact. */
  epochs: MicroBatch<P>[][];
  validation: MicroBatch<P>[];
  head(setup: HeadSetup): LossHead<P>;
  /** Runs on the untouched model before the first step (DPO: reference log-probs the data lacks). */
  beforeTraining?(s: EvalSession, log: (m: string) => void): Promise<void>;
  /** For the log line, e.g. "120 rows of 64 (300 sequences)". */
  describe: string;
}

/** What the loop knows when an objective plans (the model is loaded, the request resolved). */
export interface PlanEnv {
  /** The model's chat renderer (vocab-only model, opened on first use). */
  renderer(): Promise<ChatRenderer>;
  nVocab: number;
  nCtxTrain: number;
  B: number;
  epochs: number;
  pack: boolean;
  valFraction: number;
  seed: number;
  warn(m: string): void;
  log(m: string): void;
}

export interface ObjectiveRunner<P = unknown> {
  /** Checks the request's data fields for this objective; every problem a UserError naming the field. */
  validate(req: TrainRequest): void;
  /** Tokenizes the request's data and plans the batches (with planning.ts: one context rule, one epoch order). */
  plan(req: TrainRequest, env: PlanEnv): Promise<TrainingPlan<P>>;
}
