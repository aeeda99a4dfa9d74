/**
 * Chat messages as the OpenAI fine-tuning format writes them. `weight` (assistant messages only)
 * says whether the trainer learns from that message: 1 (default) trains on it, 0 keeps it as context only.
 */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
  weight?: 0 | 1;
}

export interface ChatExample {
  messages: ChatMessage[];
}
