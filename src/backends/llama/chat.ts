/**
 * Renders our chat messages with the backend's chat wrapper (by default the model's own tokenizer.chat_template,
 * see chat-wrapper.ts), ending with the opening of an assistant turn, and lists the textual stop triggers the
 * wrapper declares (special end-of-generation tokens stop generation on their own).
 */
import {
  isLlamaText,
  SpecialTokensText,
  type ChatHistoryItem,
  type ChatWrapper,
  type LlamaModel,
  type LlamaText,
  type Token,
} from "node-llama-cpp";
import type { ChatMessage } from "../types.js";

export interface RenderedPrompt {
  tokens: Token[];
  /** Plain-text forms of the wrapper's stop triggers (e.g. "</s>" written out as text). */
  stopStrings: string[];
}

export function toChatHistory(chat: readonly ChatMessage[]): ChatHistoryItem[] {
  return chat.map((m): ChatHistoryItem => {
    if (m.role === "system") return { type: "system", text: m.content };
    if (m.role === "user") return { type: "user", text: m.content };
    return { type: "model", response: [m.content] };
  });
}

export function renderPromptTokens(model: LlamaModel, wrapper: ChatWrapper, chat: readonly ChatMessage[]): RenderedPrompt {
  // An empty model turn at the end makes the wrapper render the assistant prefix we generate after.
  const state = wrapper.generateContextState({ chatHistory: [...toChatHistory(chat), { type: "model", response: [] }] });
  const tokens = state.contextText.tokenize(model.tokenizer);
  const stopStrings = state.stopGenerationTriggers.map(plainText).filter((s): s is string => !!s);
  return { tokens, stopStrings: [...new Set(stopStrings)] };
}

/** The literal text of a trigger made only of text; undefined for triggers that name special tokens (EOS, EOT). */
function plainText(trigger: LlamaText | readonly unknown[]): string | undefined {
  const values = isLlamaText(trigger) ? trigger.values : trigger;
  let out = "";
  for (const v of values) {
    if (typeof v === "string") out += v;
    else if (v instanceof SpecialTokensText) out += v.value;
    else return undefined;
  }
  return out || undefined;
}
