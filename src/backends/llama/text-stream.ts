/**
 * Incremental reply text for streaming: after each token, the part of the reply that can no longer
 * change. What is sent is always a prefix of the final (stop-cut) text, so the concatenated deltas
 * equal the non-streamed reply exactly.
 */
import type { LlamaModel, Token } from "node-llama-cpp";

/**
 * The longest prefix of `text` (the reply decoded so far) that the final reply is sure to start with:
 * cut at the first complete stop string, then hold back a tail that could still grow into a stop string,
 * and a trailing U+FFFD (a multi-byte character whose remaining bytes are still to come).
 */
export function streamablePrefix(text: string, stops: readonly string[]): string {
  let end = text.length;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && i < end) end = i;
  }
  let safe = text.slice(0, end);
  if (end === text.length) {
    let hold = 0;
    for (const s of stops) {
      for (let k = Math.min(s.length - 1, safe.length); k > hold; k--) {
        if (safe.endsWith(s.slice(0, k))) {
          hold = k;
          break;
        }
      }
    }
    safe = safe.slice(0, safe.length - hold);
  }
  while (safe.endsWith("\uFFFD")) safe = safe.slice(0, -1);
  return safe;
}

/** Feeds `onText` with new text as tokens arrive; `finish` sends the rest of the final text. */
export class TextStream {
  private sent = "";

  constructor(
    private readonly model: LlamaModel,
    private readonly stops: readonly string[],
    private readonly onText: (delta: string) => void,
  ) {}

  update(tokens: readonly Token[]): void {
    this.emitUpTo(streamablePrefix(this.model.detokenize(tokens as Token[]), this.stops));
  }

  finish(finalText: string): void {
    this.emitUpTo(finalText);
  }

  private emitUpTo(text: string): void {
    // A prefix that is not an extension of what was sent (a tokenizer that rewrites earlier text) waits.
    if (text.length <= this.sent.length || !text.startsWith(this.sent)) return;
    const delta = text.slice(this.sent.length);
    this.sent = text;
    this.onText(delta);
  }
}
