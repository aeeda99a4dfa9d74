import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, found from this file so model caches land in one place whatever the cwd. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Default cache folder for built models: $SOCIETY_MODELS_DIR or <repo>/runs/models. */
export function defaultModelsDir(): string {
  return process.env.SOCIETY_MODELS_DIR ? resolve(process.env.SOCIETY_MODELS_DIR) : resolve(REPO_ROOT, "runs/models");
}
