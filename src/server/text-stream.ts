/**
 * Turns a growing generated text into safe-to-send deltas. A stop string may begin in the text already
 * generated and only be completed by a later token; since the final text is cut before the stop, the
 * last (longest stop − 1) characters are held back until generation ends, as is a trailing U+FFFD (half
 * of a multi-byte character split across tokens). What is sent is always a prefix of the final text.
 */
export class StopAwareStream {
  private sent = "";
  private readonly holdback: number;

  constructor(private readonly stops: readonly string[], private readonly emit: (delta: string) => void) {
    this.holdback = Math.max(0, ...stops.map((s) => s.length - 1));
  }

  /** The whole text generated so far (not cut at stops). */
  update(textSoFar: string): void {
    // A completed stop ends the text there; otherwise a stop may still be completing in the tail.
    const cut = this.firstStop(textSoFar);
    let safe = cut !== undefined ? textSoFar.slice(0, cut) : textSoFar.slice(0, Math.max(0, textSoFar.length - this.holdback));
    while (safe.endsWith("\uFFFD")) safe = safe.slice(0, -1);
    if (safe.length > this.sent.length && safe.startsWith(this.sent)) {
      this.emit(safe.slice(this.sent.length));
      this.sent = safe;
    }
  }

  /** The final text (cut at the first stop): sends the rest. Returns false if it no longer extends what was sent. */
  finish(finalText: string): boolean {
    if (!finalText.startsWith(this.sent)) return false;
    if (finalText.length > this.sent.length) this.emit(finalText.slice(this.sent.length));
    this.sent = finalText;
    return true;
  }

  private firstStop(text: string): number | undefined {
    let best: number | undefined;
    for (const s of this.stops) {
      const i = s ? text.indexOf(s) : -1;
      if (i >= 0 && (best === undefined || i < best)) best = i;
    }
    return best;
  }

  get sentText(): string {
    return this.sent;
  }
}
