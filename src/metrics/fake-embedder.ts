import { deriveSeed } from "../util/seed.js";
import type { Embedder } from "./embedder.js";

/**
 * An Embedder without a model, for fast tests: counts of hashed character trigrams, L2-normalized. Equal
 * texts give equal vectors and texts sharing much of their wording give close ones, so dissimilarity
 * metrics move with the responses as they would with a real model. Every embedded text is recorded.
 */
export class FakeEmbedder implements Embedder {
  readonly name: string;
  readonly embedded: string[] = [];
  closed = false;

  constructor(private readonly dim = 64) {
    this.name = `fake-trigrams-${dim}`;
  }

  async embed(text: string): Promise<number[]> {
    if (this.closed) throw new Error("FakeEmbedder: embed after close");
    this.embedded.push(text);
    const v = new Array<number>(this.dim).fill(0);
    const padded = `  ${text} `;
    for (let i = 0; i + 3 <= padded.length; i++) v[deriveSeed("fake-embed", padded.slice(i, i + 3)) % this.dim]! += 1;
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    return v.map((x) => x / norm);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
