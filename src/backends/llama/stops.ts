/** Stop strings: detected on the decoded tail as tokens arrive, then cut from the final text. */
import type { LlamaModel, Token } from "node-llama-cpp";

/** A checker for the token stream, or undefined when there are no stop strings. */
export function stopChecker(model: LlamaModel, stops: readonly string[]): ((tokens: readonly Token[]) => boolean) | undefined {
  if (stops.length === 0) return undefined;
  // A token decodes to ≥ 1 character or to a byte piece, so the last (longest stop + 8) tokens always
  // cover a stop string that just completed.
  const window = Math.max(...stops.map((s) => s.length)) + 8;
  return (tokens) => {
    const tail = model.detokenize(tokens.slice(-window));
    return stops.some((s) => tail.includes(s));
  };
}

/** The text up to the first stop string, and whether one was found. */
export function cutAtStop(text: string, stops: readonly string[]): { text: string; stopped: boolean } {
  let best = -1;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best < 0 ? { text, stopped: false } : { text: text.slice(0, best), stopped: true };
}
