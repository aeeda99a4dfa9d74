/**
 * The guards against hostile web pages, on the composed serve app (no model reached): foreign Host
 * headers (DNS rebinding), cross-origin browser requests (CSRF) unless allowed, and JSON bodies that do
 * not say application/json. The same guards against the real server on loopback: guard.model.test.ts.
 */
import { describe, expect, it } from "vitest";
import { allowedHostsFor, hostOf, normalizeOrigin } from "../../src/server/request-guard.js";
import { modelFreeServeApp } from "../support/model-free-serve-app.js";

const serveApp = modelFreeServeApp("society-guard-");
const appWith = (allowHosts: string[] = [], allowOrigins: string[] = []) =>
  serveApp.appWith({
    guard: { allowedHosts: allowedHostsFor("127.0.0.1", allowHosts), allowedOrigins: new Set(allowOrigins.map(normalizeOrigin)) },
  });
const app = appWith();
const get = (headers: Record<string, string>, a = app) => a.request("http://127.0.0.1:8080/v1/models", { headers });
const errorOf = async (res: Response) => ((await res.json()) as any).error;

describe("Host header", () => {
  it("parses host[:port] and bracketed IPv6", () => {
    expect(["127.0.0.1:8080", "LOCALHOST", "[::1]:9", "[::1]", "example.com:80"].map(hostOf)).toEqual([
      "127.0.0.1",
      "localhost",
      "::1",
      "::1",
      "example.com",
    ]);
  });

  it("answers loopback names and refuses any other name (a DNS-rebinding page) with 403", async () => {
    for (const host of ["127.0.0.1:8080", "localhost:8080", "[::1]:8080", "127.0.0.2", "app.localhost:8080"])
      expect((await get({ host })).status, host).toBe(200);
    for (const host of ["evil.example:8080", "127.0.0.1.nip.io", "192.168.1.5:8080"]) {
      const res = await get({ host });
      expect(res.status, host).toBe(403);
      expect(await errorOf(res)).toMatchObject({ code: "host_not_allowed", type: "invalid_request_error" });
    }
    // /health and unknown routes are guarded too
    expect((await app.request("http://127.0.0.1/health", { headers: { host: "evil.example" } })).status).toBe(403);
  });

  it("answers names allowed with --allow-host, and any with *", async () => {
    expect((await get({ host: "box.lan:8080" }, appWith(["box.lan"]))).status).toBe(200);
    expect((await get({ host: "other.lan" }, appWith(["box.lan"]))).status).toBe(403);
    expect((await get({ host: "anything.example" }, appWith(["*"]))).status).toBe(200);
  });

  it("a wildcard bind answers this machine's addresses", () => {
    const hosts = allowedHostsFor("0.0.0.0");
    expect(hosts.has("127.0.0.1")).toBe(true);
    expect(hosts.size).toBeGreaterThan(3);
    expect(allowedHostsFor("10.1.2.3").has("10.1.2.3")).toBe(true);
  });
});

describe("Origin", () => {
  it("refuses a cross-origin browser request, and one that only says Sec-Fetch-Site: cross-site", async () => {
    const res = await get({ host: "127.0.0.1:8080", origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toMatchObject({ code: "origin_not_allowed" });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect((await get({ host: "127.0.0.1:8080", origin: "null" })).status).toBe(403);
    expect((await get({ host: "127.0.0.1:8080", "sec-fetch-site": "cross-site" })).status).toBe(403);
    // Same origin, and clients that send no Origin (SDKs, curl): answered.
    expect((await get({ host: "127.0.0.1:8080", origin: "http://127.0.0.1:8080" })).status).toBe(200);
    expect((await get({ host: "127.0.0.1:8080", "sec-fetch-site": "same-origin" })).status).toBe(200);
  });

  it("lets an origin allowed with --allow-origin call, with CORS headers and preflights", async () => {
    const a = appWith([], ["http://localhost:3000"]);
    const ok = await get({ host: "127.0.0.1:8080", origin: "http://localhost:3000" }, a);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    const pre = await a.request("http://127.0.0.1:8080/v1/chat/completions", {
      method: "OPTIONS",
      headers: {
        host: "127.0.0.1:8080",
        origin: "http://localhost:3000",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,authorization",
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-headers")).toBe("content-type,authorization");
    expect((await get({ host: "127.0.0.1:8080", origin: "http://localhost:3001" }, a)).status).toBe(403);
    expect(() => normalizeOrigin("http://x.example/path")).toThrow(/no path/);
  });
});

describe("JSON bodies", () => {
  it("must say application/json (415 otherwise), so a form cannot post one as text/plain", async () => {
    const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] });
    for (const path of ["/v1/chat/completions", "/v1/fine_tuning/jobs"]) {
      for (const type of ["text/plain", "application/x-www-form-urlencoded", undefined]) {
        const res = await app.request(path, { method: "POST", headers: type ? { "content-type": type } : {}, body });
        expect(res.status, `${path} ${type}`).toBe(415);
        expect(await errorOf(res)).toMatchObject({ code: "unsupported_media_type" });
      }
      // application/json (with a charset) gets past the check: here to the 404 of an unknown model
      const ok = await app.request(path, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify({ model: "m", training_file: "f", messages: [{ role: "user", content: "x" }] }),
      });
      expect(ok.status, path).toBe(404);
    }
  });
});
