import { contentId } from "../util/content-id.js";
import { deriveSeed } from "../util/seed.js";
import { type AgentModel, type Backend, type ChatMessage, type GenerateOptions, type Generation, type Score } from "./types.js";

/**
 * A Backend without a model, for fast tests of what sits around one (debates, methods, the run loop), as
 * langchainjs ships FakeListChatModel. Replies are scripted: a list used in call order (cycling), or a
 * function of the request when the reply should depend on who is asked what. Scores are a deterministic
 * function of (model, chat, completion), different per model (by file content where the model is a file),
 * so likelihood metrics have something to compute. Every call is recorded. Tokens are whitespace-separated words.
 */
export interface FakeRequest {
  model: AgentModel;
  chat: ChatMessage[];
  opts: GenerateOptions;
}

export type FakeBackendOptions = { replies: readonly string[] } | { reply: (req: FakeRequest) => string };

export class FakeBackend implements Backend {
  /** Every generate call, with the text it returned. */
  readonly generated: Array<FakeRequest & { text: string }> = [];
  readonly scored: Array<{ model: AgentModel; chat: ChatMessage[]; completion: string }> = [];
  closed = false;
  private next = 0;

  constructor(private readonly o: FakeBackendOptions) {
    if ("replies" in o && o.replies.length === 0) throw new Error("FakeBackend: give at least one reply");
  }

  async generate(model: AgentModel, chat: ChatMessage[], opts: GenerateOptions): Promise<Generation> {
    if (this.closed) throw new Error("FakeBackend: generate after close");
    const req = { model, chat, opts };
    let text = "reply" in this.o ? this.o.reply(req) : this.o.replies[this.next++ % this.o.replies.length]!;
    let finishReason: Generation["finishReason"] = "stop";
    // As the real backends: the text ends before the first stop string, or after maxTokens tokens.
    const stopAt = Math.min(...(opts.stop ?? []).map((s) => text.indexOf(s)).filter((i) => i >= 0));
    if (Number.isFinite(stopAt)) text = text.slice(0, stopAt);
    const words = text.match(/\S+\s*/g) ?? [];
    if (words.length > opts.maxTokens) {
      text = words.slice(0, opts.maxTokens).join("").trimEnd();
      finishReason = "length";
    }
    this.generated.push({ ...req, text });
    if (text) opts.onText?.(text);
    return {
      text,
      promptTokens: countTokens(chat.map((m) => m.content).join(" ")),
      completionTokens: Math.min(words.length, opts.maxTokens),
      latencyMs: 0,
      finishReason,
    };
  }

  async score(model: AgentModel, chat: ChatMessage[], completion: string): Promise<Score> {
    if (this.closed) throw new Error("FakeBackend: score after close");
    this.scored.push({ model, chat, completion });
    const tokens = countTokens(completion);
    // Mean −log p per token in [0.5, 2.5), fixed by model, chat and completion.
    const perToken =
      0.5 +
      2 *
        (deriveSeed(
          "fake-score",
          contentId(model.base),
          model.adapter === undefined ? "" : contentId(model.adapter),
          JSON.stringify(chat),
          completion,
        ) /
          2 ** 32);
    return { logprob: -perToken * tokens, tokens };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function countTokens(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}
