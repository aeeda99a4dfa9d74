/** Turns a text into a vector (response embedding dissimilarity). Implemented over node-llama-cpp in backends/llama/embedder.ts. */
export interface Embedder {
  /** A stable name for the model behind the vectors (recorded with the metric's log line). */
  readonly name: string;
  embed(text: string): Promise<number[]>;
  close(): Promise<void>;
}
