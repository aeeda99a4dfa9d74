/**
 * The one interface every inference backend implements: local GGUF models through node-llama-cpp
 * (`llama/`) and any OpenAI-compatible endpoint (`openai/`). The debate engine, evaluation and the
 * loopback server only ever see this.
 */

import type { ChatMessage } from "../chat.js";

export type { ChatMessage };

/** Which weights answer: a base model plus an optional LoRA adapter over it, and who serves it. */
export interface AgentModel {
  /** A GGUF path (llama backend), a remote model id (openai backend) or "provider:model" (langchain backend). */
  base: string;
  /** A LoRA adapter GGUF path, applied over `base` (llama backend only). */
  adapter?: string;
  /**
   * The route of the backend that serves it, when a run mixes backends (RouterBackend: e.g. heterogeneous
   * teachers, one local GGUF and one endpoint per agent); absent: the run's default backend.
   */
  backend?: string;
}

export interface GenerateOptions {
  temperature: number;
  topP: number;
  maxTokens: number;
  /** Sampling seed: the same seed, prompt and model give the same text. */
  seed: number;
  /** Generation ends before the first occurrence of any of these strings (not included in the text). */
  stop?: string[];
  /**
   * Called with each new piece of the reply as it becomes final; the pieces concatenate to `text`.
   * The llama backend calls it per token (holding back what could still turn into a stop string);
   * the openai backend once, with the whole reply.
   */
  onText?: (delta: string) => void;
}

export interface Generation {
  text: string;
  promptTokens: number;
  completionTokens: number;
  /** Wall time from the call to the reply, including any wait for a free slot or a rate limit. */
  latencyMs: number;
  /** "length": maxTokens reached before an end-of-turn token or a stop string. */
  finishReason: "stop" | "length";
  /** The server that produced it (remote backends: its base URL), recorded with the turn. */
  endpoint?: string;
}

export interface Score {
  /** Natural-log probability of the completion's tokens given the chat (end-of-turn token excluded). */
  logprob: number;
  /** How many completion tokens were scored. */
  tokens: number;
}

export interface Backend {
  /** Samples one assistant reply to `chat`. */
  generate(model: AgentModel, chat: ChatMessage[], opts: GenerateOptions): Promise<Generation>;
  /** log p(completion | chat) under the model, as the reply of the assistant turn that follows `chat`. */
  score(model: AgentModel, chat: ChatMessage[], completion: string): Promise<Score>;
  /** Frees models, contexts and connections. */
  close(): Promise<void>;
}

/** A stable string key for an AgentModel (grouping, caching, logs). */
export function modelKey(m: AgentModel): string {
  const k = m.adapter ? `${m.base}+${m.adapter}` : m.base;
  return m.backend ? `${m.backend}|${k}` : k;
}
