/**
 * The one set of training defaults. The run config schema reads them here; the trainers, `society train`,
 * `society serve`'s fine-tuning jobs and the remote trainer's learning-rate multiplier read them through
 * training/defaults.ts (typed helpers over these values), so a value left out means the same thing everywhere.
 *
 * LoRA takes a learning rate 20× that of full finetuning (the usual PEFT ratio); full finetuning also gets
 * weight decay. The LoRA values are those the run loop has always used (lr 1e-3, 2 epochs, 8 rows).
 */
export const TRAINING_DEFAULTS = {
  lora: {
    rank: 8,
    alpha: 16,
    dropout: 0,
    targets: ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"],
  },
  optim: {
    epochs: 2,
    batchSize: 8,
    gradAccum: 1,
    warmupSteps: 0,
    schedule: "cosine",
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    maxGradNorm: 1,
  },
  byMode: {
    lora: { lr: 1e-3, weightDecay: 0 },
    full: { lr: 5e-5, weightDecay: 0.01 },
  },
  /** DPO's β when none is given (TRL's default; MALT uses 0.2). */
  dpoBeta: 0.1,
  /**
   * MAGDi's loss weights, margin and graph encoder (Chen et al., 2024; dinobby/MAGDi train.py and model.py):
   * α (next-token) 1, β (node classification) 1, γ (margin ranking) 0.1, MarginRankingLoss(margin 1),
   * GCNConv hidden 512, dropout 0.5 between the two GCN layers.
   */
  magdi: { alpha: 1, beta: 1, gamma: 0.1, margin: 1, gcnHidden: 512, gcnDropout: 0.5 },
} as const;
