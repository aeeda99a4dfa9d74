import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { onApiError } from "../../src/server/api-error.js";
import { assertSafeBinding, bearerAuth, isLoopback } from "../../src/server/auth.js";

describe("API key rules", () => {
  it("knows loopback addresses", () => {
    for (const h of ["127.0.0.1", "127.3.2.1", "localhost", "::1", "[::1]"]) expect(isLoopback(h), h).toBe(true);
    for (const h of ["0.0.0.0", "::", "192.168.1.4", "example.com"]) expect(isLoopback(h), h).toBe(false);
  });

  it("refuses to bind beyond loopback without a key", () => {
    expect(() => assertSafeBinding("0.0.0.0", undefined, "MY_KEY")).toThrow(/\$MY_KEY/);
    expect(() => assertSafeBinding("0.0.0.0", "k", "MY_KEY")).not.toThrow();
    expect(() => assertSafeBinding("127.0.0.1", undefined, "MY_KEY")).not.toThrow();
  });

  it("answers 401 in OpenAI's error shape unless the bearer key matches", async () => {
    const app = new Hono();
    app.onError(onApiError);
    app.use("*", bearerAuth("secret"));
    app.get("/x", (c) => c.text("ok"));
    const get = (auth?: string) => app.request("/x", { headers: auth ? { authorization: auth } : {} });
    for (const auth of [undefined, "Bearer wrong", "Basic secret", "Bearer secretX"]) {
      const res = await get(auth);
      expect(res.status, String(auth)).toBe(401);
      const body = (await res.json()) as any;
      expect(body.error).toMatchObject({ type: "authentication_error", code: "invalid_api_key" });
    }
    expect((await get("Bearer secret")).status).toBe(200);
    expect((await get("bearer  secret ")).status).toBe(200);
  });
});
