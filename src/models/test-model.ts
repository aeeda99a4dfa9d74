import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createRandomLlamaGguf, type LlamaShape } from "./llama-gguf.js";
import { defaultModelsDir } from "./paths.js";
import { CHAT_TEMPLATE, VOCAB } from "./tiny/tokenizer.js";

/**
 * A small random-init model for tests that need a real GGUF but not a trained one (backends, debate
 * plumbing). Its output is garbage; it loads in node-llama-cpp, tokenizes one character per token and
 * uses the ChatML template. Written once per shape/seed into the models cache (≈0.5 MB, well under 1 s).
 */
export const TEST_MODEL_SHAPE: LlamaShape = { nLayer: 2, nEmbd: 64, nHead: 4, nHeadKv: 4, nFf: 128, ctx: 1024 };

/** Bump when the writer or init changes in a way that changes bytes. */
const FORMAT = "random-llama-v1";

export interface TestModelOptions {
  seed?: number;
  shape?: Partial<LlamaShape>;
  dir?: string;
}

export async function ensureTestModel(opts: TestModelOptions = {}): Promise<string> {
  const seed = opts.seed ?? 1;
  const shape = { ...TEST_MODEL_SHAPE, ...opts.shape };
  const key = createHash("sha256")
    .update(JSON.stringify({ FORMAT, seed, shape, tokens: VOCAB.tokens, CHAT_TEMPLATE }))
    .digest("hex")
    .slice(0, 12);
  const path = join(opts.dir ?? defaultModelsDir(), `test-random-${key}.gguf`);
  if (!existsSync(path)) createRandomLlamaGguf({ ...shape, path, seed, name: `society-test-random-${seed}` });
  return path;
}
