/** Our chat messages as langchain's, and a langchain reply's text: shared by the openai and langchain backends. */
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage, type AIMessageChunk } from "@langchain/core/messages";
import type { ChatMessage } from "./types.js";

export function toLangchain(chat: readonly ChatMessage[]): BaseMessage[] {
  return chat.map((m) =>
    m.role === "system" ? new SystemMessage(m.content) : m.role === "user" ? new HumanMessage(m.content) : new AIMessage(m.content),
  );
}

/** The text of a reply whose content is a string or a list of parts (only text parts count). */
export function replyText(msg: Pick<AIMessageChunk, "content">): string {
  return typeof msg.content === "string" ? msg.content : msg.content.map((p) => ("text" in p ? String(p.text) : "")).join("");
}
