/**
 * Retries for remote calls: 429 and 5xx answers, timeouts and dropped connections are retried with
 * exponential backoff (honouring Retry-After when the server sends one); other 4xx answers are the
 * caller's mistake and become a one-line UserError at once.
 */
import { UserError } from "../../errors.js";

export interface RetryOptions {
  maxRetries: number;
  /** First backoff; doubles each attempt (no jitter: retries must not make runs differ). */
  baseDelayMs: number;
  /** Says what was being done, for error messages ("POST http://…/chat/completions"). */
  what: string;
  sleep?: (ms: number) => Promise<void>;
}

export function statusOf(err: unknown): number | undefined {
  const e = err as { status?: unknown; response?: { status?: unknown } } | null;
  const s = e?.status ?? e?.response?.status;
  return typeof s === "number" ? s : undefined;
}

export function isRetryable(err: unknown): boolean {
  const status = statusOf(err);
  if (status !== undefined) return status === 408 || status === 409 || status === 429 || status >= 500;
  const name = (err as Error | null)?.name ?? "";
  const msg = (err as Error | null)?.message ?? "";
  // openai SDK / fetch failures without an HTTP answer: timeouts, refused or reset connections.
  return (
    /Timeout|Connection|FetchError|AbortError/i.test(name) ||
    /timed? ?out|ECONNRE|ECONNREFUSED|socket hang up|fetch failed|Connection error/i.test(msg)
  );
}

function retryAfterMs(err: unknown): number | undefined {
  const h = (err as { headers?: Record<string, string> | Headers } | null)?.headers;
  const v = h instanceof Headers ? h.get("retry-after") : h?.["retry-after"];
  const s = v !== undefined && v !== null ? Number(v) : NaN;
  return Number.isFinite(s) && s >= 0 ? Math.min(s * 1000, 60_000) : undefined;
}

export async function withRetries<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const status = statusOf(err);
      const msg = ((err as Error)?.message ?? String(err)).split("\n")[0];
      if (!isRetryable(err)) {
        if (status !== undefined && status >= 400 && status < 500)
          throw new UserError(`${opts.what}: HTTP ${status}: ${msg}`, { cause: err });
        throw err;
      }
      if (attempt >= opts.maxRetries) {
        throw new Error(`${opts.what}: failed after ${attempt + 1} attempts: ${status !== undefined ? `HTTP ${status}: ` : ""}${msg}`, {
          cause: err,
        });
      }
      await sleep(retryAfterMs(err) ?? opts.baseDelayMs * 2 ** attempt);
    }
  }
}
