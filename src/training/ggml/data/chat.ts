import { resolveChatWrapper, type ChatHistoryItem, type Llama, type LlamaModel, type Token } from "node-llama-cpp";
import type { ChatExample, TokenSequence } from "../../types.js";

type Wrapper = NonNullable<ReturnType<typeof resolveChatWrapper>>;

function history(messages: ChatExample["messages"]): ChatHistoryItem[] {
  return messages.map((m): ChatHistoryItem =>
    m.role === "assistant" ? { type: "model", response: [m.content] } : m.role === "system" ? { type: "system", text: m.content } : { type: "user", text: m.content },
  );
}

function lcp(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function startsWithAt(a: readonly number[], at: number, b: readonly number[]): boolean {
  if (b.length === 0 || at + b.length > a.length) return false;
  for (let i = 0; i < b.length; i++) if (a[at + i] !== b[i]) return false;
  return true;
}

/**
 * Renders chat examples with the model's own chat wrapper (node-llama-cpp picks it from the GGUF's template
 * or architecture) and tokenizes them with the model's tokenizer. Loss is on assistant tokens only: for each
 * assistant turn the span runs from the end of the rendered prompt (history + assistant header) to the end of
 * the reply plus the template's end-of-turn tokens, so the model learns to stop.
 */
export class ChatRenderer {
  private readonly wrapper: Wrapper;
  private readonly endOfTurn: Token[];

  constructor(private readonly model: LlamaModel) {
    this.wrapper = resolveChatWrapper(model);
    this.endOfTurn = this.findEndOfTurn();
  }

  get wrapperName(): string {
    return this.wrapper.wrapperName;
  }

  private tokens(items: ChatHistoryItem[]): Token[] {
    return this.wrapper.generateContextState({ chatHistory: items }).contextText.tokenize(this.model.tokenizer);
  }

  /**
   * The tokens that close an assistant turn: the stop trigger the template itself writes after a reply
   * (e.g. <|im_end|>, <|eot_id|>), found by rendering a reply followed by another user turn; else EOS.
   */
  private findEndOfTurn(): Token[] {
    const open = this.tokens([{ type: "user", text: "a" }, { type: "model", response: ["b"] }]);
    const state = this.wrapper.generateContextState({
      chatHistory: [{ type: "user", text: "a" }, { type: "model", response: ["b"] }, { type: "user", text: "c" }],
    });
    const closed = state.contextText.tokenize(this.model.tokenizer);
    const at = lcp(open, closed);
    let best: Token[] = [];
    for (const trigger of state.stopGenerationTriggers) {
      const t = trigger.tokenize(this.model.tokenizer);
      if (t.length > best.length && startsWithAt(closed, at, t)) best = t;
    }
    if (best.length > 0) return best;
    const eos = this.model.tokens.eos;
    return eos === null ? [] : [eos];
  }

  /** The tokens a model sees before writing the next assistant reply to `messages` (generation prompt). */
  promptTokens(messages: ChatExample["messages"]): Token[] {
    return this.tokens([...history(messages), { type: "model", response: [] }]);
  }

  render(example: ChatExample): TokenSequence {
    const msgs = example.messages;
    const full = this.tokens(history(msgs));
    if (msgs.length > 0 && msgs[msgs.length - 1].role === "assistant") full.push(...this.endOfTurn);
    const lossMask = new Array<number>(full.length).fill(0);
    msgs.forEach((m, i) => {
      if (m.role !== "assistant" || m.weight === 0) return;
      const prompt = this.tokens([...history(msgs.slice(0, i)), { type: "model", response: [] }]);
      const withReply = this.tokens(history(msgs.slice(0, i + 1)));
      const start = lcp(prompt, full);
      let end = lcp(withReply, full);
      if (startsWithAt(full, end, this.endOfTurn)) end += this.endOfTurn.length;
      for (let k = Math.max(start, 1); k < end; k++) lossMask[k] = 1;
    });
    return { tokens: full, lossMask };
  }
}

/** The base model's chat renderer, loaded (vocabulary only) on first use. */
export function lazyRenderer(llama: Llama, modelPath: string): { get: () => Promise<ChatRenderer>; dispose: () => Promise<void> } {
  let model: Promise<LlamaModel> | undefined;
  let renderer: ChatRenderer | undefined;
  return {
    async get() {
      model ??= llama.loadModel({ modelPath, vocabOnly: true });
      renderer ??= new ChatRenderer(await model);
      return renderer;
    },
    async dispose() {
      const m = model;
      model = undefined;
      renderer = undefined;
      if (m) await (await m).dispose();
    },
  };
}
