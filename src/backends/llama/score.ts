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
  /** The `top` most likely tokens at this position, most likely first (only when asked). */
  top?: Array<{ token: Token; logprob: number }>;
}

export async function scoreOnSequence(seq: LlamaContextSequence, prompt: Token[], completion: Token[], top = 0): Promise<TokenLogprob[]> {
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
      const probs = res[j]?.next?.probabilities;
      const p = probs?.get(target) ?? 0;
      out.push({ token: target, logprob: Math.log(p), ...(top > 0 && probs ? { top: topK(probs, top) } : {}) });
    }
  }
  return out;
}

/** The k largest entries of a probability map, by one linear pass (k is small). */
function topK(probs: Map<Token, number>, k: number): Array<{ token: Token; logprob: number }> {
  const best: Array<[Token, number]> = [];
  for (const [t, p] of probs) {
    if (best.length === k && p <= best[k - 1]![1]) continue;
    let i = best.length;
    while (i > 0 && best[i - 1]![1] < p) i--;
    best.splice(i, 0, [t, p]);
    if (best.length > k) best.pop();
  }
  return best.map(([token, p]) => ({ token, logprob: Math.log(p) }));
}
