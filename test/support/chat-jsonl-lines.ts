/** Lines of the JSONL files `society train --data` reads (chats, preference pairs), for tests that write them. */

export const user = (content: string) => ({ role: "user" as const, content });
export const assistant = (content: string) => ({ role: "assistant" as const, content });

/** One chat example: the user's question and the assistant's reply. */
export const chatLine = (question: string, reply: string): string => JSON.stringify({ messages: [user(question), assistant(reply)] });

/** One preference pair in OpenAI's fine-tuning format. */
export const openaiPairLine = (question: string, chosen: string, rejected: string): string =>
  JSON.stringify({
    input: { messages: [user(question)] },
    preferred_output: [assistant(chosen)],
    non_preferred_output: [assistant(rejected)],
  });

/** One preference pair in TRL's conversational format. */
export const trlPairLine = (question: string, chosen: string, rejected: string): string =>
  JSON.stringify({ prompt: [user(question)], chosen: [assistant(chosen)], rejected: [assistant(rejected)] });
