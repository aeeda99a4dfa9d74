/**
 * What identifies a remote fine-tuning request: base model, training data, hyper-parameters, seed and
 * suffix. Its hash is written into the remote job's metadata (`society_key`), so a restarted run can
 * find the job an earlier attempt started even if it crashed before recording the job anywhere.
 */
import { createHash } from "node:crypto";
import { stableJson } from "../../util/stable-json.js";

export interface RemoteHyperparameters {
  n_epochs: number | "auto";
  batch_size: number | "auto";
  learning_rate_multiplier: number | "auto";
  /** DPO jobs only (absent for supervised ones, so their keys are unchanged). */
  beta?: number;
}

export const METADATA_KEY = "society_key";

export function requestKey(r: {
  base: string;
  fileSha256: string;
  hyperparameters: RemoteHyperparameters;
  seed: number;
  suffix?: string;
}): string {
  return createHash("sha256")
    .update(stableJson({ v: 1, ...r }))
    .digest("hex");
}
