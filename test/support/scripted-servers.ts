/**
 * Scripted GGUFs (a llama-architecture model that always gives one reply) for tests whose agents must be told
 * apart by their answers, and an OpenAI-compatible loopback server whose one model, `seven`, is such a model.
 */
import { join } from "node:path";
import { LlamaBackend } from "../../src/backends/llama/backend.js";
import { createScriptedLlamaGguf } from "../../src/models/scripted-model.js";
import { listen } from "../../src/server/listen.js";
import { createOpenAIApp } from "../../src/server/openai-app.js";

/** A GGUF in `dir` that always replies `\boxed{<answer>}`; its path. */
export const scriptedAnswer = (dir: string, answer: number): string =>
  createScriptedLlamaGguf({ path: join(dir, `boxed-${answer}.gguf`), reply: `\\boxed{${answer}}` });

export interface SevenServer {
  /** Base URL without /v1. */
  url: string;
  close(): Promise<void>;
}

/** Serves model `seven` (always `\boxed{7}`) from its own llama backend on loopback; its GGUF is written to `dir`. */
export async function startSevenServer(dir: string): Promise<SevenServer> {
  const seven = scriptedAnswer(dir, 7);
  const backend = await LlamaBackend.create({ gpu: false, threads: 1, parallel: 2, contextSize: 512 });
  const server = await listen(createOpenAIApp({ backend, models: { seven: { base: seven } } }));
  return {
    url: server.url,
    async close() {
      await backend.close();
      await server.close();
    },
  };
}
