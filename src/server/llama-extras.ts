/**
 * Two things the server needs from the llama backend beyond its Backend interface: token-by-token
 * streaming and top-k log-probabilities. Both reuse the backend's own loaded models, slot pools and
 * generation code (so a streamed reply is the same text as a non-streamed one with the same seed);
 * reaching the backend's private `loadModel`/`pool` is confined to `internals()` below.
 * TODO(backends owner): expose these two as public methods of LlamaBackend and drop `internals()`.
 */
import type { ChatWrapper, ControlledEvaluateInputItem, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import type { LlamaBackend } from "../backends/llama/backend.js";
import { renderPromptTokens } from "../backends/llama/chat.js";
import { generateOnSequence } from "../backends/llama/generate.js";
import type { SequencePool } from "../backends/llama/sequence-pool.js";
import { modelKey, type AgentModel, type ChatMessage, type GenerateOptions, type Generation } from "../backends/types.js";
import { UserError } from "../errors.js";
import { StopAwareStream } from "./text-stream.js";

interface Internals {
  loadModel(base: string): Promise<{ model: LlamaModel; wrapper: ChatWrapper }>;
  pool(m: AgentModel): Promise<SequencePool>;
}

function internals(b: LlamaBackend): Internals {
  const i = b as unknown as Internals;
  if (typeof i.loadModel !== "function" || typeof i.pool !== "function") throw new Error("llama backend internals changed: update src/server/llama-extras.ts");
  return { loadModel: (base) => i.loadModel.call(b, base), pool: (m) => i.pool.call(b, m) };
}

/** A view of `seq` whose `evaluate` reports every sampled token (everything else goes to `seq` itself). */
function tapped(seq: LlamaContextSequence, onToken: (t: Token) => void): LlamaContextSequence {
  return new Proxy(seq, {
    get(target, prop) {
      if (prop === "evaluate") {
        return async function* (...args: Parameters<LlamaContextSequence["evaluate"]>) {
          for await (const t of target.evaluate(...args)) {
            onToken(t);
            yield t;
          }
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** Like backend.generate, calling `onDelta` with text as it is generated (never text a stop string later removes). */
export async function generateStreaming(
  backend: LlamaBackend, m: AgentModel, chat: ChatMessage[], opts: GenerateOptions, onDelta: (text: string) => void,
): Promise<Generation> {
  const { loadModel, pool: poolOf } = internals(backend);
  const { model, wrapper } = await loadModel(m.base);
  const pool = await poolOf(m);
  const prompt = renderPromptTokens(model, wrapper, chat);
  const room = pool.context.contextSize - prompt.tokens.length;
  if (room < 1) throw new UserError(`prompt of ${prompt.tokens.length} tokens does not fit the context size ${pool.context.contextSize} for ${modelKey(m)}`);
  const stops = [...prompt.stopStrings, ...(opts.stop ?? [])];
  const stream = new StopAwareStream(stops, onDelta);
  const tokens: Token[] = [];
  return pool.use(async (seq) => {
    const t0 = performance.now();
    const g = await generateOnSequence(tapped(seq, (t) => {
      tokens.push(t);
      stream.update(model.detokenize(tokens));
    }), prompt.tokens, { ...opts, maxTokens: Math.min(opts.maxTokens, room) }, stops);
    stream.finish(g.text);
    return { ...g, latencyMs: performance.now() - t0 };
  });
}

export interface TokenWithTop {
  token: string;
  logprob: number;
  top: Array<{ token: string; logprob: number }>;
}

/** Per-token log-probabilities of `completion` as the reply to `chat`, each with the `top` most likely tokens at its position. */
export async function scoreWithTop(backend: LlamaBackend, m: AgentModel, chat: ChatMessage[], completion: string, top: number): Promise<TokenWithTop[]> {
  const { loadModel, pool: poolOf } = internals(backend);
  const { model, wrapper } = await loadModel(m.base);
  const pool = await poolOf(m);
  const prompt = renderPromptTokens(model, wrapper, chat).tokens;
  const target = model.tokenize(completion, false);
  if (target.length === 0) return [];
  if (prompt.length + target.length > pool.context.contextSize) throw new UserError(`prompt + completion (${prompt.length + target.length} tokens) exceed the context size ${pool.context.contextSize} for ${modelKey(m)}`);
  return pool.use(async (seq) => {
    await seq.clearHistory();
    if (prompt.length > 1) await seq.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
    const feed = [prompt[prompt.length - 1]!, ...target.slice(0, -1)];
    const out: TokenWithTop[] = [];
    const CHUNK = 32; // each position returns a full-vocabulary map: bound what is held at once
    for (let start = 0; start < feed.length; start += CHUNK) {
      const part = feed.slice(start, start + CHUNK);
      const input: ControlledEvaluateInputItem[] = part.map((t) => [t, { generateNext: { probabilities: true } }]);
      const res = await seq.controlledEvaluate(input);
      for (let j = 0; j < part.length; j++) {
        const probs = res[j]?.next?.probabilities ?? new Map<Token, number>();
        const tok = target[start + j]!;
        const best = [...probs.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
        out.push({
          token: model.detokenize([tok]),
          logprob: Math.log(probs.get(tok) ?? 0),
          top: best.map(([t, p]) => ({ token: model.detokenize([t]), logprob: Math.log(p) })),
        });
      }
    }
    return out;
  });
}
