/** The S3 artifact store against a real S3-API server on loopback (s3rver), through the minio client. */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Client } from "minio";
import S3rver from "s3rver";
import { describe, expect, it } from "vitest";
import { openArtifactStore } from "../../src/artifacts/index.js";
import { isUserError } from "../../src/errors.js";
import { serverForFile } from "../support/server-for-file.js";

let endpoint: string;
const env = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" };
const { tmp } = serverForFile("society-s3-", async (tmp) => {
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory: join(tmp, "s3"),
    configureBuckets: [{ name: "models", configs: [] }],
  });
  const addr = (await server.run()) as AddressInfo;
  endpoint = `http://127.0.0.1:${addr.port}`;
  return server;
});

describe("S3 artifact store", () => {
  it("uploads once, downloads into another machine's cache, and verifies the sha256", async () => {
    const src = join(tmp, "adapter.gguf");
    writeFileSync(src, Buffer.alloc(3 << 20, 7)); // 3 MiB
    const sha = createHash("sha256").update(readFileSync(src)).digest("hex");
    const writer = openArtifactStore(`s3://models/runs/x?endpoint=${encodeURIComponent(endpoint)}`, {
      cacheDir: join(tmp, "cache-a"),
      env,
    });
    expect(writer.location).toBe("s3://models/runs/x");
    expect(await writer.put(src)).toBe(sha);
    expect(await writer.put(src)).toBe(sha);
    const reader = openArtifactStore("s3://models/runs/x", { cacheDir: join(tmp, "cache-b"), env: { ...env, AWS_ENDPOINT_URL: endpoint } });
    expect(await reader.has(sha)).toBe(true);
    const path = await reader.get(sha, ".gguf");
    expect(path).toBe(join(tmp, "cache-b", `${sha}.gguf`));
    expect(readFileSync(path).equals(readFileSync(src))).toBe(true);
    const missing = await reader.get("b".repeat(64)).catch((e) => e);
    expect(isUserError(missing)).toBe(true);
    expect(missing.message).toMatch(/artifact b{64} is not in s3:\/\/models\/runs\/x/);
  });

  it("refuses an object whose bytes are not its sha256, leaving nothing in the cache", async () => {
    const sha = "c".repeat(64);
    const raw = new Client({
      endPoint: "127.0.0.1",
      port: Number(new URL(endpoint).port),
      useSSL: false,
      accessKey: "S3RVER",
      secretKey: "S3RVER",
      pathStyle: true,
    });
    await raw.putObject("models", `runs/x/${sha}`, Buffer.from("not those bytes"));
    const reader = openArtifactStore(`s3://models/runs/x?endpoint=${encodeURIComponent(endpoint)}`, {
      cacheDir: join(tmp, "cache-c"),
      env,
    });
    const err = await reader.get(sha, ".gguf").catch((e) => e);
    expect(isUserError(err)).toBe(true);
    expect(err.message).toMatch(/s3:\/\/models\/runs\/x\/c{64}: its bytes hash to/);
    await expect(reader.has(sha)).resolves.toBe(true);
    expect(() => readFileSync(join(tmp, "cache-c", `${sha}.gguf`))).toThrow(/ENOENT/);
  });

  it("needs keys", () => {
    expect(() => openArtifactStore("s3://models", { env: {} })).toThrow(/set \$AWS_ACCESS_KEY_ID/);
  });
});
