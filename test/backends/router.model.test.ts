/**
 * Heterogeneous agents' backends for real: one RouterBackend over a llama backend holding two local GGUFs of
 * different recipes (the tiny `test` model and a scripted one), an OpenAI-compatible loopback server, and the
 * same server reached as a langchain provider ("openai:<id>" through initChatModel). Each reply must come from
 * the model its route names.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { LangchainBackend } from "../../src/backends/langchain/backend.js";
import { LlamaBackend } from "../../src/backends/llama/backend.js";
import { OpenAIBackend } from "../../src/backends/openai/backend.js";
import { RouterBackend } from "../../src/backends/router.js";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import { scriptedAnswer, startSevenServer, type SevenServer } from "../support/scripted-servers.js";

const dir = mkdtempSync(join(tmpdir(), "society-router-"));
const five = scriptedAnswer(dir, 5);
let local: LlamaBackend;
let server: SevenServer;
let tiny: string;
let router: RouterBackend;

beforeAll(async () => {
  tiny = (await ensureTinyModel("test")).path;
  local = await LlamaBackend.create({ gpu: false, threads: 1, parallel: 2, contextSize: 512 });
  server = await startSevenServer(dir);
  const baseURL = `${server.url}/v1`;
  router = new RouterBackend(
    local,
    new Map<string, any>([
      ["serve", new OpenAIBackend({ baseURL, maxRetries: 0 })],
      ["lc", new LangchainBackend({ fields: { apiKey: "no-key", configuration: { baseURL } }, maxRetries: 0 })],
    ]),
  );
}, 600_000);

afterAll(async () => {
  await router?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

it("routes one debate's agents to two local GGUFs, an OpenAI-compatible endpoint and a langchain provider", async () => {
  const chat = [{ role: "user" as const, content: "What is 1+2*3+0-1*2? Answer in \\boxed{}." }];
  const o = { temperature: 0, topP: 1, maxTokens: 48, seed: 3 };
  const [a, b, c, d] = await Promise.all([
    router.generate({ base: tiny }, chat, o),
    router.generate({ base: five }, chat, o),
    router.generate({ base: "seven", backend: "serve" }, chat, o),
    router.generate({ base: "openai:seven", backend: "lc" }, chat, o),
  ]);
  expect(a.text).toMatch(/\\boxed\{-?\d+\}/); // the tiny model works the problem
  expect(a.text).not.toBe("\\boxed{5}");
  expect(b.text).toBe("\\boxed{5}");
  expect(c.text).toBe("\\boxed{7}");
  expect(d.text).toBe("\\boxed{7}");
  for (const g of [a, b, c, d]) expect(g.completionTokens).toBeGreaterThan(0);
  expect(c.promptTokens).toBeGreaterThan(0);
  expect(d.promptTokens).toBe(c.promptTokens);
  // Scoring: the local models and the echoing endpoint can; a langchain provider cannot.
  expect((await router.score({ base: "seven", backend: "serve" }, chat, "\\boxed{7}")).tokens).toBeGreaterThan(0);
  await expect(router.score({ base: "openai:seven", backend: "lc" }, chat, "\\boxed{7}")).rejects.toThrow(/cannot score/);
}, 300_000);
