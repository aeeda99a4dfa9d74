import { writeGguf } from "./gguf-writer.js";
import { llamaMetadata, randomLlamaTensors, resolveHparams } from "./llama-gguf.js";
import { tokenize, VOCAB, VOCAB_SIZE } from "./tiny/tokenizer.js";

/**
 * A hand-wired "bigram" llama model whose greedy reply to any chat prompt is a fixed string followed by
 * <|im_end|>. Attention and FFN weights are zero, so the residual stream is the current token's one-hot
 * embedding and the output matrix maps each token to the next one of the script. Useful for tests that
 * need a real llama.cpp model with a known answer (e.g. "\boxed{7}"), and to check that generation
 * stops at <|im_end|>.
 */
export interface ScriptedModelOptions {
  path: string;
  /** The greedy reply. Its characters must be distinct (a bigram chain cannot repeat a state). */
  reply: string;
  /** What the model writes after <|im_end|> if generation failed to stop there. Default "X". */
  afterEnd?: string;
}

export function createScriptedLlamaGguf(opts: ScriptedModelOptions): string {
  const nEmbd = Math.ceil(VOCAB_SIZE / 8) * 8; // one dimension per token, rounded for nHead
  const h = resolveHparams({ nLayer: 1, nEmbd, nHead: 4, nFf: 8, ctx: 1024 });
  // The chat prompt ends "<|im_start|>assistant\n": the reply chain starts at the newline token.
  const chain = [...tokenize("\n"), ...tokenize(opts.reply), VOCAB.imEnd, ...tokenize(opts.afterEnd ?? "X")];
  if (new Set(chain).size !== chain.length)
    throw new RangeError(`scripted reply ${JSON.stringify(opts.reply)} repeats a token (or a newline/"${opts.afterEnd ?? "X"}")`);
  const tensors = randomLlamaTensors(h, 0).map((t) => ({ ...t, data: new Float32Array(t.data.length) }));
  const get = (name: string) => tensors.find((t) => t.name === name)!.data;
  get("output_norm.weight").fill(1);
  get("blk.0.attn_norm.weight").fill(1);
  get("blk.0.ffn_norm.weight").fill(1);
  const embd = get("token_embd.weight");
  for (let t = 0; t < VOCAB_SIZE; t++) embd[t * nEmbd + t] = 1;
  // output.weight is [nEmbd, nVocab]: row v (contiguous nEmbd values) scores token v.
  const out = get("output.weight");
  for (let i = 0; i + 1 < chain.length; i++) out[chain[i + 1]! * nEmbd + chain[i]!] = 1;
  writeGguf(opts.path, { metadata: llamaMetadata(h, "society-scripted"), tensors });
  return opts.path;
}
