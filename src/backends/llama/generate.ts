/** One sampled reply on one context sequence: seeded temperature/top-p sampling, stop strings, a token budget. */
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import type { GenerateOptions, Generation } from "../types.js";

export async function generateOnSequence(
  seq: LlamaContextSequence,
  prompt: Token[],
  opts: GenerateOptions,
  stopStrings: readonly string[],
): Promise<Omit<Generation, "latencyMs">> {
  const model = seq.model;
  // A fresh KV state per request: the reply then depends only on (model, prompt, seed), never on
  // which slot served it or what that slot held before (the reproducibility resume relies on).
  await seq.clearHistory();
  const out: Token[] = [];
  const maxStop = Math.max(0, ...stopStrings.map((s) => s.length));
  let finishReason: Generation["finishReason"] = "stop";
  if (opts.maxTokens > 0) {
    let reachedLimit = false;
    for await (const token of seq.evaluate(prompt, {
      temperature: opts.temperature,
      topP: opts.topP,
      topK: 0, // node-llama-cpp defaults to top-k 40; the protocol samples with temperature and top-p only
      minP: 0,
      seed: opts.seed,
    })) {
      out.push(token);
      // Stop strings can span tokens: look at the decoded tail only (a token is ≥ 1 character here
      // or a byte piece, so maxStop + 8 tokens always covers the longest stop string).
      if (maxStop > 0) {
        const tail = model.detokenize(out.slice(-(maxStop + 8)));
        if (stopStrings.some((s) => tail.includes(s))) break;
      }
      if (out.length >= opts.maxTokens) {
        reachedLimit = true;
        break;
      }
    }
    let text = model.detokenize(out);
    const cut = firstStop(text, stopStrings);
    if (cut !== undefined) text = text.slice(0, cut);
    else if (reachedLimit) finishReason = "length";
    return { text, promptTokens: prompt.length, completionTokens: out.length, finishReason };
  }
  return { text: "", promptTokens: prompt.length, completionTokens: 0, finishReason: "length" };
}

function firstStop(text: string, stops: readonly string[]): number | undefined {
  let best: number | undefined;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (best === undefined || i < best)) best = i;
  }
  return best;
}
