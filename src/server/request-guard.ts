/**
 * What keeps a web page the user happens to visit from driving the server (DNS rebinding, CSRF):
 * - the Host header must name this server: a loopback name, the bound host (for a wildcard bind, this
 *   machine's addresses and host name), or one allowed with --allow-host;
 * - a browser request from another origin (an Origin header, or Sec-Fetch-Site saying cross-site) is
 *   refused unless --allow-origin allows that origin, which then gets CORS headers (preflights too);
 * - JSON bodies must say `Content-Type: application/json` (readJsonBody), so an HTML form cannot post
 *   one as text/plain.
 * SDKs and curl send neither Origin nor Sec-Fetch-Site, so nothing changes for them.
 */
import { hostname as machineName, networkInterfaces } from "node:os";
import type { Context, MiddlewareHandler } from "hono";
import { ApiError, badRequest } from "./api-error.js";
import { isLoopback } from "./auth.js";

export interface GuardOptions {
  /** Lower-case host names/addresses the Host header may name; "*" allows any. */
  allowedHosts: ReadonlySet<string>;
  /** Origins (scheme://host[:port], lower case) allowed to call from a browser; "*" allows any. */
  allowedOrigins: ReadonlySet<string>;
}

const WILDCARD_BINDS = new Set(["0.0.0.0", "::", "[::]", ""]);

/** The Host names a server bound to `bindHost` answers to, plus `extra` (--allow-host). */
export function allowedHostsFor(bindHost: string, extra: readonly string[] = []): Set<string> {
  const hosts = new Set(["localhost", "127.0.0.1", "::1", bindHost.toLowerCase().replace(/^\[|\]$/g, "")]);
  if (WILDCARD_BINDS.has(bindHost)) {
    // Listening everywhere: every address of this machine, and its name, are this server.
    for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) hosts.add(a.address.toLowerCase());
    hosts.add(machineName().toLowerCase());
  }
  for (const h of extra) hosts.add(h.toLowerCase().replace(/^\[|\]$/g, ""));
  return hosts;
}

/** "host:port", "[::1]:8080" or "host" → the lower-case host name or address, without brackets. */
export function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]") < 0 ? undefined : h.indexOf("]"));
  const colon = h.lastIndexOf(":");
  return colon >= 0 && h.indexOf(":") === colon ? h.slice(0, colon) : h;
}

/** An --allow-origin value as browsers send it: scheme://host[:port], lower case, no path. */
export function normalizeOrigin(origin: string): string {
  if (origin === "*") return "*";
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    throw new Error(`not an origin (scheme://host[:port]): ${origin}`);
  }
  if (u.pathname !== "/" || u.search || u.hash || u.username) throw new Error(`an origin has no path, query or credentials: ${origin}`);
  return u.origin.toLowerCase();
}

const forbidden = (message: string, code: string) => new ApiError(403, message, "invalid_request_error", null, code);

function hostAllowed(o: GuardOptions, host: string): boolean {
  return o.allowedHosts.has("*") || o.allowedHosts.has(host) || isLoopback(host) || host.endsWith(".localhost");
}

export function requestGuard(o: GuardOptions): MiddlewareHandler {
  return async (c, next) => {
    // Node's HTTP server refuses requests without Host; in-process requests (tests) carry it in the URL.
    const hostHeader = c.req.header("host") ?? new URL(c.req.url).host;
    const host = hostOf(hostHeader);
    if (!hostAllowed(o, host)) {
      throw forbidden(
        `Host "${hostHeader}" is not this server's (a DNS-rebinding page?); start society serve with --allow-host ${host} to allow it`,
        "host_not_allowed",
      );
    }
    const origin = c.req.header("origin");
    const site = c.req.header("sec-fetch-site");
    let corsOrigin: string | undefined;
    if (origin !== undefined) {
      const o2 = origin.toLowerCase();
      const sameOrigin = o2 === `http://${hostHeader.toLowerCase()}` || o2 === `https://${hostHeader.toLowerCase()}`;
      if (!sameOrigin) {
        if (!o.allowedOrigins.has("*") && !o.allowedOrigins.has(o2)) {
          throw forbidden(
            `cross-origin request from ${origin} refused; start society serve with --allow-origin ${origin} to allow that page`,
            "origin_not_allowed",
          );
        }
        corsOrigin = origin;
      }
    } else if (site === "cross-site" || site === "same-site") {
      throw forbidden(`cross-site browser request refused (Sec-Fetch-Site: ${site}, no Origin to allow)`, "origin_not_allowed");
    }
    if (corsOrigin !== undefined) {
      c.header("access-control-allow-origin", corsOrigin);
      c.header("vary", "Origin");
      if (c.req.method === "OPTIONS") return preflight(c);
    }
    await next();
  };
}

function preflight(c: Context): Response {
  c.header("access-control-allow-methods", "GET, POST, DELETE, OPTIONS");
  c.header("access-control-allow-headers", c.req.header("access-control-request-headers") ?? "authorization, content-type");
  c.header("access-control-max-age", "600");
  return c.body(null, 204);
}

/** Reads a JSON request body: 415 unless it says application/json, 400 when it does not parse. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    throw new ApiError(
      415,
      `Content-Type must be application/json (got ${type ? JSON.stringify(type) : "none"})`,
      "invalid_request_error",
      null,
      "unsupported_media_type",
    );
  }
  try {
    return await c.req.json();
  } catch {
    throw badRequest("request body is not valid JSON");
  }
}
