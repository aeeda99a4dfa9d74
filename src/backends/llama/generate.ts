/**
 * One sampled reply on one context sequence through node-llama-cpp's public API: the fallback when the
 * native batch decoder is unavailable (see native.ts). Same sampler settings, so the same text.
 */
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import type { GenerateOptions, Generation } from "../types.js";
import { cutAtStop, stopChecker } from "./stops.js";
import type { TextStream } from "./text-stream.js";

export async function generateOnSequence(
  seq: LlamaContextSequence,
  prompt: Token[],
  opts: GenerateOptions,
  stopStrings: readonly string[],
  textStream?: TextStream,
): Promise<Omit<Generation, "latencyMs"> & { tokens: Token[]; eog?: Token }> {
  const model = seq.model;
  // A fresh KV state per request: the reply then depends only on (model, prompt, seed).
  await seq.clearHistory();
  const out: Token[] = [];
  const stopped = stopChecker(model, stopStrings);
  let reachedLimit = false;
  let eog: Token | undefined;
  if (opts.maxTokens > 0) {
    for await (const token of seq.evaluate(prompt, {
      temperature: opts.temperature,
      topP: opts.topP,
      topK: 0, // node-llama-cpp defaults to top-k 40; the protocol samples with temperature and top-p only
      minP: 0,
      seed: opts.seed,
    })) {
      // As the batch decoder: an end-of-generation token ends the reply and is not part of it.
      if (model.isEogToken(token)) {
        eog = token;
        break;
      }
      out.push(token);
      textStream?.update(out);
      if (stopped?.(out)) break;
      if (out.length >= opts.maxTokens) {
        reachedLimit = true;
        break;
      }
    }
  } else reachedLimit = true;
  const cut = cutAtStop(model.detokenize(out), stopStrings);
  textStream?.finish(cut.text);
  return {
    text: cut.text,
    tokens: out,
    ...(eog !== undefined && !cut.stopped ? { eog } : {}),
    promptTokens: prompt.length,
    completionTokens: out.length,
    finishReason: !cut.stopped && reachedLimit ? "length" : "stop",
  };
}
