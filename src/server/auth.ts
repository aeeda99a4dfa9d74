/**
 * API keys: when the server has a key, every /v1 request needs `Authorization: Bearer <key>`; a server
 * reachable beyond this machine (any non-loopback bind) refuses to start without one.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { UserError } from "../errors.js";
import { ApiError } from "./api-error.js";

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Throws the UserError `society serve` prints when binding beyond loopback without a key. */
export function assertSafeBinding(host: string, apiKey: string | undefined, keyEnv: string): void {
  if (!isLoopback(host) && !apiKey) {
    throw new UserError(
      `--host ${host} exposes the server beyond this machine: set an API key in $${keyEnv} (clients then send "Authorization: Bearer <key>")`,
    );
  }
}

// Hashing first gives equal-length buffers, so the comparison time says nothing about the key.
const digest = (s: string) => createHash("sha256").update(s).digest();

export function bearerAuth(apiKey: string): MiddlewareHandler {
  const want = digest(apiKey);
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!m) throw new ApiError(401, 'missing API key: send "Authorization: Bearer <key>"', "authentication_error", null, "invalid_api_key");
    if (!timingSafeEqual(digest(m[1]!.trim()), want))
      throw new ApiError(401, "incorrect API key provided", "authentication_error", null, "invalid_api_key");
    await next();
  };
}
