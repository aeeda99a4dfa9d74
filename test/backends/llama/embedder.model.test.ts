/** Response embeddings through node-llama-cpp on the real tiny model (what metrics.embedding_model runs). */
import { execFile } from "node:child_process";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLlamaEmbedder } from "../../../src/backends/llama/embedder.js";
import { isUserError } from "../../../src/errors.js";
import type { Embedder } from "../../../src/metrics/embedder.js";
import { cosineDistance } from "../../../src/metrics/embedding.js";
import { ensureTinyModel } from "../../../src/models/tiny/cache.js";

let embedder: Embedder;

beforeAll(async () => {
  const tiny = await ensureTinyModel("test");
  embedder = await createLlamaEmbedder(tiny.path, { gpu: false, threads: 1 });
}, 600_000);

afterAll(async () => {
  await embedder?.close();
});

describe("llama embedder", () => {
  it("gives one fixed-size vector per text, the same for the same text, different for different texts", async () => {
    const [a, a2, b] = await Promise.all([
      embedder.embed("1+2=3. \\boxed{3}"),
      embedder.embed("1+2=3. \\boxed{3}"),
      embedder.embed("3*3=9, so \\boxed{9}"),
    ]);
    expect(a.length).toBeGreaterThan(8);
    expect(b).toHaveLength(a.length);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(a2).toEqual(a);
    expect(cosineDistance(a, a2)).toBeCloseTo(0, 10);
    expect(cosineDistance(a, b)).toBeGreaterThan(1e-4);
  });

  it("embeds an empty response and one longer than its window", async () => {
    expect((await embedder.embed("")).every(Number.isFinite)).toBe(true);
    const long = await embedder.embed("1+1=2. ".repeat(400));
    expect(long.every(Number.isFinite)).toBe(true);
  });

  it("names the config field when the model file is missing or is not a GGUF", async () => {
    const err = await createLlamaEmbedder("/nonexistent/emb.gguf").catch((e) => e);
    expect(isUserError(err)).toBe(true);
    expect(err.message).toBe("metrics.embedding_model: /nonexistent/emb.gguf: GGUF file not found");
    const bad = join(mkdtempSync(join(tmpdir(), "emb-")), "bad.gguf");
    writeFileSync(bad, "not a gguf");
    const e2 = await createLlamaEmbedder(bad, { gpu: false, threads: 1 }).catch((e) => e);
    expect(isUserError(e2)).toBe(true);
    expect(e2.message).toBe(`metrics.embedding_model: ${bad}: not a GGUF file: it starts with "not ", not "GGUF"`);
  });

  it("stays quiet after the trainer has run in the same process (no llama.cpp warning per embedding)", async () => {
    const root = resolve(import.meta.dirname, "../../..");
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "fixtures/embed-after-training.ts")],
      { cwd: root },
    );
    expect(stdout).toContain("fixture done");
    expect(stdout + stderr).not.toMatch(/embeddings required|^(init|llama_\w+|ggml_\w+): /m);
  }, 300_000);
});
