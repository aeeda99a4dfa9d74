/**
 * Errors in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}` with the matching HTTP
 * status, so every OpenAI client (the official SDKs, LangChain) raises its usual typed error.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { isUserError } from "../errors.js";

export type ApiErrorType = "invalid_request_error" | "authentication_error" | "not_found_error" | "server_error";

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly type: ApiErrorType = "invalid_request_error",
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(400, message, "invalid_request_error", param, code);
/** A request body checked against `schema`; its first issue becomes a 400 naming the field (`param`), as OpenAI's do. */
export function parseBody<S extends z.ZodTypeAny>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    const path = i.path.join(".");
    throw badRequest(`${path || "body"}: ${i.message}`, path || null);
  }
  return parsed.data;
}

export const notFound = (message: string, param: string | null = null) => new ApiError(404, message, "invalid_request_error", param, null);

export function errorBody(e: { message: string; type: string; param?: string | null; code?: string | null }) {
  return { error: { message: e.message, type: e.type, param: e.param ?? null, code: e.code ?? null } };
}

/** The app's onError: ApiErrors as they are, UserErrors (bad input found deeper down) as 400, the rest as 500. */
export function onApiError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return c.json(errorBody(err), err.status);
  if (isUserError(err as unknown)) return c.json(errorBody({ message: (err as Error).message, type: "invalid_request_error" }), 400);
  return c.json(errorBody({ message: err.message || "internal error", type: "server_error" }), 500);
}
