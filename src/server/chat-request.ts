/**
 * The request body of POST /v1/chat/completions that the loopback server accepts (non-streaming).
 * Fields OpenAI clients send that do not change the result here (user, frequency_penalty: 0, …) pass
 * through unchecked; fields we cannot honour are rejected with a 400 rather than silently ignored.
 */
import { z } from "zod";

const message = z
  .object({
    role: z.enum(["system", "user", "assistant", "developer"]),
    content: z.union([
      z.string(),
      z
        .array(z.object({ type: z.literal("text"), text: z.string() }).passthrough())
        .transform((parts) => parts.map((p) => p.text).join("")),
    ]),
  })
  .passthrough();

export const chatRequestSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(message).min(1),
    n: z.number().int().min(1).max(64).default(1),
    temperature: z.number().min(0).max(2).default(1),
    top_p: z.number().gt(0).max(1).default(1),
    seed: z.number().int().optional(),
    max_tokens: z.number().int().nonnegative().nullish(),
    max_completion_tokens: z.number().int().nonnegative().nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(8)]).nullish(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.number().int().min(0).max(20).nullish(),
    stream: z.boolean().nullish(),
    /**
     * Extension (vLLM spells it the same way): when the last message is the assistant's, score that
     * message instead of generating; `logprobs.content` then holds its tokens' log-probabilities.
     */
    echo: z.boolean().nullish(),
  })
  .passthrough();

export type ChatRequest = z.infer<typeof chatRequestSchema>;
