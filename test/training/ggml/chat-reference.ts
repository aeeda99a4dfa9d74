/**
 * The loss-mask definition as ChatRenderer implemented it before it became linear: for every assistant turn,
 * render and tokenize the whole prefix twice and take longest common prefixes with the whole conversation.
 * A trained turn whose prompt or reply does not render as a prefix of the whole conversation (a template that
 * rewrites history) is refused: this throws.
 * Quadratic; kept as the oracle the linear renderer is compared with (chat.model.test.ts, eval/bench/chat-render).
 */
import type { ChatHistoryItem, ChatWrapper, LlamaModel, Token } from "node-llama-cpp";
import { isTextPrefix } from "../../../src/training/ggml/data/chat.js";
import type { ChatExample, TokenSequence } from "../../../src/training/types.js";

function history(messages: ChatExample["messages"]): ChatHistoryItem[] {
  return messages.map((m): ChatHistoryItem =>
    m.role === "assistant"
      ? { type: "model", response: [m.content] }
      : m.role === "system"
        ? { type: "system", text: m.content }
        : { type: "user", text: m.content },
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

/** `endOfTurn`: the renderer's end-of-turn tokens (found the same way in both). */
export function renderQuadratic(model: LlamaModel, wrapper: ChatWrapper, endOfTurn: readonly Token[], example: ChatExample): TokenSequence {
  const text = (items: ChatHistoryItem[]) => wrapper.generateContextState({ chatHistory: items }).contextText;
  const tokens = (items: ChatHistoryItem[]) => text(items).tokenize(model.tokenizer);
  const msgs = example.messages;
  const full = tokens(history(msgs));
  if (msgs.length > 0 && msgs[msgs.length - 1].role === "assistant") full.push(...endOfTurn);
  const lossMask = new Array<number>(full.length).fill(0);
  msgs.forEach((m, i) => {
    if (m.role !== "assistant" || m.weight === 0) return;
    const promptItems: ChatHistoryItem[] = [...history(msgs.slice(0, i)), { type: "model", response: [] }];
    const prompt = tokens(promptItems);
    const withReply = tokens(history(msgs.slice(0, i + 1)));
    const start = lcp(prompt, full);
    let end = lcp(withReply, full);
    const whole = text(history(msgs));
    if (start < prompt.length && !isTextPrefix(text(promptItems), whole))
      throw new Error(`turn ${i}: the prompt is not a prefix of the conversation`);
    if (end < withReply.length && !isTextPrefix(text(history(msgs.slice(0, i + 1))), whole))
      throw new Error(`turn ${i}: the reply is not a prefix of the conversation`);
    if (startsWithAt(full, end, endOfTurn)) end += endOfTurn.length;
    for (let k = Math.max(start, 1); k < end; k++) lossMask[k] = 1;
  });
  return { tokens: full, lossMask };
}
