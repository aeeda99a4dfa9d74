/**
 * Exact log-probabilities of a given continuation: evaluate prompt + continuation on one sequence and
 * read, at each position, the probability llama.cpp assigns to the next given token
 * (`controlledEvaluate` with `generateNext.probabilities`, i.e. softmax of the raw logits).
 */
import type { ControlledEvaluateInputItem, LlamaContextSequence, Token } from "node-llama-cpp";

/** Positions per controlledEvaluate call: each returns a full-vocabulary map, so bound the memory held. */
const CHUNK = 32;

export interface TokenLogprob {
  token: Token;
  logprob: number;
}

export async function scoreOnSequence(seq: LlamaContextSequence, prompt: Token[], completion: Token[]): Promise<TokenLogprob[]> {
  await seq.clearHistory();
  if (completion.length === 0) return [];
  if (prompt.length === 0) throw new Error("score: the prompt renders to no tokens; nothing to condition the first token on");
  if (prompt.length > 1) await seq.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
  // Item j is fed and predicts completion[j]: the first is the prompt's last token.
  const feed = [prompt[prompt.length - 1]!, ...completion.slice(0, -1)];
  const out: TokenLogprob[] = [];
  for (let start = 0; start < feed.length; start += CHUNK) {
    const part = feed.slice(start, start + CHUNK);
    const input: ControlledEvaluateInputItem[] = part.map((t) => [t, { generateNext: { probabilities: true } }]);
    const res = await seq.controlledEvaluate(input);
    for (let j = 0; j < part.length; j++) {
      const target = completion[start + j]!;
      const p = res[j]?.next?.probabilities?.get(target) ?? 0;
      out.push({ token: target, logprob: Math.log(p) });
    }
  }
  return out;
}
