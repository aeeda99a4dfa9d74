import type { ChatMessage } from "../../chat.js";
import { SPECIAL, tokenize, VOCAB } from "./tokenizer.js";

export type { ChatMessage };

/**
 * The tiny model's chat format, ChatML without a system turn:
 *   <s><|im_start|>user\n{content}<|im_end|>\n<|im_start|>assistant\n{content}<|im_end|>\n…
 * It is exactly what node-llama-cpp's ChatML wrapper sends (with systemPrompt ""), and what the GGUF's
 * tokenizer.chat_template renders, so training and inference see the same tokens.
 */
export function renderChat(messages: readonly ChatMessage[], opts: { addGenerationPrompt?: boolean } = {}): string {
  let s = SPECIAL.bos;
  for (const m of messages) s += `${SPECIAL.imStart}${m.role}\n${m.content}${SPECIAL.imEnd}\n`;
  if (opts.addGenerationPrompt) s += `${SPECIAL.imStart}assistant\n`;
  return s;
}

export interface TokenizedChat {
  tokens: number[];
  /** 1 where the model is trained to predict this token (assistant content and its <|im_end|>). */
  lossMask: number[];
}

/**
 * Tokenizes a chat for training: loss on every assistant reply (unless its `weight` is 0) and the
 * <|im_end|> that closes it.
 */
export function tokenizeChat(messages: readonly ChatMessage[]): TokenizedChat {
  const tokens: number[] = [VOCAB.bos];
  const lossMask: number[] = [0];
  const push = (ids: number[], m: 0 | 1) => {
    for (const id of ids) {
      tokens.push(id);
      lossMask.push(m);
    }
  };
  for (const msg of messages) {
    push([VOCAB.imStart, ...tokenize(`${msg.role}\n`)], 0);
    const train = msg.role === "assistant" && msg.weight !== 0 ? 1 : 0;
    push(tokenize(msg.content), train);
    push([VOCAB.imEnd], train);
    push(tokenize("\n"), 0);
  }
  return { tokens, lossMask };
}
