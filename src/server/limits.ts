/** Request size and token limits: oversized bodies get 413, over-long generations 400, before any work is done. */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { errorBody } from "./api-error.js";

export interface ServeLimits {
  /** Bytes of a JSON request body. Default 1 MiB. */
  maxBodyBytes: number;
  /** Bytes of an uploaded training file (POST /v1/files). Default 64 MiB. */
  maxFileBytes: number;
  /** Upper bound of max_tokens per choice; also the default when a request names none. Default 512. */
  maxTokens: number;
  /** Upper bound of `n`. Default 16. */
  maxChoices: number;
  /** Upper bound of top_logprobs (OpenAI's is 20). */
  maxTopLogprobs: number;
}

export const DEFAULT_LIMITS: ServeLimits = {
  maxBodyBytes: 1 << 20,
  maxFileBytes: 64 << 20,
  maxTokens: 512,
  maxChoices: 16,
  maxTopLogprobs: 20,
};

/** 413 in OpenAI's error shape once more than `maxBytes` arrive (checked on Content-Length and while streaming). */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    // The unread rest of the body makes the connection unusable: say so, or a keep-alive client reuses it and fails.
    onError: (c) =>
      c.json(
        errorBody({
          message: `request body exceeds ${maxBytes} bytes (the server's limit)`,
          type: "invalid_request_error",
          code: "request_too_large",
        }),
        413,
        { connection: "close" },
      ),
  });
}
