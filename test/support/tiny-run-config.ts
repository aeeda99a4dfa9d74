/**
 * A run config for end-to-end tests on the `test` tiny model: two agents, two rounds, one iteration, no
 * summaries, LoRA on our trainer. Each test gives what it is about (name, seed, task, methods, sizes);
 * nested objects merge into these defaults.
 */
import { deepMerge } from "../../src/util/yaml.js";

const TINY_RUN = {
  model: { base: "tiny", tiny_recipe: "test", context_size: 512 },
  agents: 2,
  rounds: 2,
  iterations: 1,
  debate: { summarize: false, concurrency: 8 },
  training: { lora: { rank: 4, alpha: 8 }, optim: { lr: 0.003 }, val_fraction: 0, context_length: 256 },
  metrics: { nll_samples: 2 },
};

export const tinyRunConfig = (over: Record<string, unknown>): Record<string, unknown> => deepMerge(TINY_RUN, over);
