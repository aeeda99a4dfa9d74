import { resolve } from "node:path";
import { REPO_ROOT } from "../util/repo-root.js";

export { REPO_ROOT };

/** Default cache folder for built models: $SOCIETY_MODELS_DIR or <repo>/runs/models. */
export function defaultModelsDir(): string {
  return process.env.SOCIETY_MODELS_DIR ? resolve(process.env.SOCIETY_MODELS_DIR) : resolve(REPO_ROOT, "runs/models");
}
