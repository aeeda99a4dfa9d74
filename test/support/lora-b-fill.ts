import type { Rng } from "../../src/training/ggml/rng.js";
import type { TrainSession } from "../../src/training/ggml/session.js";

/**
 * LoRA's B starts at zero, which makes A's gradient zero: gradient checks give every B of `s` values drawn from
 * `rng` in [−0.3, 0.3) first, in parameter order (so a seed fixes them), to check A too.
 */
export function fillLoraB(s: TrainSession, rng: Rng): void {
  for (const p of s.params)
    if (p.name.endsWith(".lora_b"))
      s.write(
        p.tensor,
        Float32Array.from({ length: p.numel }, () => rng.uniform(-0.3, 0.3)),
      );
}
