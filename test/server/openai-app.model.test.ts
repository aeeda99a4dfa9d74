import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaBackend } from "../../src/backends/llama/backend.js";
import { createScriptedLlamaGguf } from "../../src/models/scripted-model.js";
import { ensureTestModel } from "../../src/models/test-model.js";
import { listen, type RunningServer } from "../../src/server/listen.js";
import { createOpenAIApp } from "../../src/server/openai-app.js";

let dir: string;
let backend: LlamaBackend;
let server: RunningServer;
let random: string;

const post = async (body: unknown) => {
  const res = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
};
const messages = [{ role: "user", content: "What is 1+6?" }];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "society-server-"));
  random = await ensureTestModel();
  const seven = createScriptedLlamaGguf({ path: join(dir, "seven.gguf"), reply: "\\boxed{7}" });
  backend = await LlamaBackend.create({ gpu: false, threads: 1, parallel: 4, contextSize: 512 });
  server = await listen(createOpenAIApp({ backend, models: { random: { base: random }, seven: { base: seven } } }));
});

afterAll(async () => {
  await server?.close();
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("loopback OpenAI-compatible server", () => {
  it("lists its models", async () => {
    const res = (await (await fetch(`${server.url}/v1/models`)).json()) as any;
    expect(res.object).toBe("list");
    expect(res.data.map((m: any) => m.id)).toEqual(["random", "seven"]);
  });

  it("answers a chat completion with usage, finish reason and the backend's exact text", async () => {
    const { status, json } = await post({ model: "seven", messages, temperature: 0, max_tokens: 30 });
    expect(status).toBe(200);
    expect(json.object).toBe("chat.completion");
    expect(json.choices).toEqual([
      { index: 0, message: { role: "assistant", content: "\\boxed{7}" }, logprobs: null, finish_reason: "stop" },
    ]);
    expect(json.usage.completion_tokens).toBe(9);
    expect(json.usage.total_tokens).toBe(json.usage.prompt_tokens + 9);
  });

  it("samples n choices with seeds seed+i, reproducibly, and honours stop and max_tokens", async () => {
    const req = { model: "random", messages, n: 3, temperature: 1, top_p: 0.9, seed: 100, max_tokens: 12 };
    const a = await post(req);
    const b = await post(req);
    expect(a.json.choices.map((c: any) => c.message.content)).toEqual(b.json.choices.map((c: any) => c.message.content));
    expect(new Set(a.json.choices.map((c: any) => c.message.content)).size).toBe(3);
    const direct = await backend.generate({ base: random }, messages as any, { temperature: 1, topP: 0.9, maxTokens: 12, seed: 101 });
    expect(a.json.choices[1].message.content).toBe(direct.text);
    expect(a.json.choices.every((c: any) => c.finish_reason === "length")).toBe(true);
    expect(a.json.usage.completion_tokens).toBe(36);
    const stopped = await post({ model: "seven", messages, temperature: 0, stop: "x{" });
    expect(stopped.json.choices[0].message.content).toBe("\\boxed{7}");
    const stopped2 = await post({ model: "seven", messages, temperature: 0, stop: ["{"] });
    expect(stopped2.json.choices[0].message.content).toBe("\\boxed");
  });

  it("returns per-token logprobs of the reply, and scores a supplied assistant message with echo", async () => {
    const { json } = await post({ model: "seven", messages, temperature: 0, logprobs: true });
    const lp = json.choices[0].logprobs.content;
    expect(lp.map((t: any) => t.token).join("")).toBe("\\boxed{7}");
    const score = await backend.score({ base: join(dir, "seven.gguf") }, messages as any, "\\boxed{7}");
    expect(lp.reduce((s: number, t: any) => s + t.logprob, 0)).toBeCloseTo(score.logprob, 9);
    const echo = await post({
      model: "seven",
      messages: [...messages, { role: "assistant", content: "\\boxed{7}" }],
      echo: true,
      logprobs: true,
      max_tokens: 1,
    });
    expect(echo.json.choices[0].message.content).toBe("\\boxed{7}");
    expect(echo.json.choices[0].logprobs.content.map((t: any) => t.logprob)).toEqual(lp.map((t: any) => t.logprob));
  });

  it("rejects what it cannot honour with OpenAI-shaped errors", async () => {
    const cases: Array<[unknown, number, RegExp]> = [
      [{ model: "nope", messages }, 404, /model "nope" does not exist/],
      [{ model: "seven", messages: [] }, 400, /messages/],
      [{ model: "seven", messages, stream: true }, 400, /stream/],
      [{ model: "seven", messages, temperature: 3 }, 400, /temperature/],
      [{ model: "seven", messages, echo: true }, 400, /last message must be the assistant's/],
    ];
    for (const [body, status, msg] of cases) {
      const r = await post(body);
      expect(r.status).toBe(status);
      expect(r.json.error.message).toMatch(msg);
    }
    const bad = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    expect((await fetch(`${server.url}/v2/nothing`)).status).toBe(404);
  });
});
