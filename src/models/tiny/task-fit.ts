import type { RunConfig } from "../../config/schema.js";
import { UserError } from "../../errors.js";
import { RECIPES } from "./recipe.js";

/**
 * The tiny model knows one task: arithmetic with operands 0..maxValue of its recipe. A run of that task on
 * the tiny model follows the recipe when it names no max_value, and is refused when it names another
 * (the model would be asked questions it was never trained on). Other tasks run as configured.
 */
export function fitTaskToTinyModel(config: RunConfig): void {
  if (config.model.base !== "tiny" || config.task.name !== "arithmetic") return;
  const want = RECIPES[config.model.tiny_recipe].maxValue;
  const given = config.task.options.maxValue ?? config.task.options.max_value;
  if (given === undefined) {
    config.task.options = { ...config.task.options, maxValue: want };
    return;
  }
  if (Number(given) !== want) {
    throw new UserError(
      `task.options.maxValue is ${given}, but the tiny model (recipe "${config.model.tiny_recipe}") is trained on operands 0..${want}: set task.options.maxValue: ${want}`,
    );
  }
}
