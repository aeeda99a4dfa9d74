/**
 * top_logprobs: the k most likely tokens at each position of a reply. The llama backend's public
 * scoreDetailed gives only the chosen token's log-probability, so this reads the full next-token
 * distribution on the backend's own scoring context; reaching its private `loadModel` and scoring pool
 * (`scorer`, formerly `pool`) is confined to `internals()` and fails loudly if they change.
 * TODO(backends owner): a public `scoreDetailed(m, chat, text, { top })` would let this file go.
 */
import type { ChatWrapper, ControlledEvaluateInputItem, LlamaModel, Token } from "node-llama-cpp";
import type { LlamaBackend } from "../backends/llama/backend.js";
import { renderPromptTokens } from "../backends/llama/chat.js";
import type { SequencePool } from "../backends/llama/sequence-pool.js";
import { modelKey, type AgentModel, type ChatMessage } from "../backends/types.js";
import { UserError } from "../errors.js";

interface Internals {
  loadModel(base: string): Promise<{ model: LlamaModel; wrapper: ChatWrapper }>;
  scorer(m: AgentModel): Promise<SequencePool>;
}

function internals(b: LlamaBackend): Internals {
  const i = b as unknown as { loadModel?: Internals["loadModel"]; scorer?: Internals["scorer"]; pool?: Internals["scorer"] };
  const scorer = i.scorer ?? i.pool;
  if (typeof i.loadModel !== "function" || typeof scorer !== "function")
    throw new Error("llama backend internals changed: update src/server/top-logprobs.ts");
  return { loadModel: (base) => i.loadModel!.call(b, base), scorer: (m) => scorer.call(b, m) };
}

export interface TokenWithTop {
  token: string;
  logprob: number;
  top: Array<{ token: string; logprob: number }>;
}

/** Per-token log-probabilities of `completion` as the reply to `chat`, each with the `top` most likely tokens at its position. */
export async function scoreWithTop(
  backend: LlamaBackend,
  m: AgentModel,
  chat: ChatMessage[],
  completion: string,
  top: number,
): Promise<TokenWithTop[]> {
  const { loadModel, scorer } = internals(backend);
  const { model, wrapper } = await loadModel(m.base);
  const pool = await scorer(m);
  const prompt = renderPromptTokens(model, wrapper, chat).tokens;
  const target = model.tokenize(completion, false);
  if (target.length === 0) return [];
  if (prompt.length + target.length > pool.context.contextSize)
    throw new UserError(
      `prompt + completion (${prompt.length + target.length} tokens) exceed the context size ${pool.context.contextSize} for ${modelKey(m)}`,
    );
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
