/**
 * `society serve` (the real CLI on loopback, the random test model) against what a hostile page, a bad
 * flag or a damaged data folder gives it: forged Host and Origin headers, a text/plain JSON body,
 * `stop: ""`, a full fine-tuning queue, non-GGUF and hostile --model files, --society-agents/rounds 0,
 * and corrupt records in --data-dir.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestModel } from "../../src/models/test-model.js";
import { writeHostileGguf } from "../support/hostile-gguf.js";
import { societyCli } from "../support/society-cli.js";
import { spawnServe, type ServeProcess } from "./spawn-serve.js";

const dir = mkdtempSync(join(tmpdir(), "society-serve-guards-"));
const dataDir = join(dir, "data");
let model: string;
let serve: ServeProcess;
let port: number;

/** A raw HTTP request with exactly these headers (fetch would not let us forge Host). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  return new Promise((done, fail) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        headers: { ...headers, ...(body ? { "content-length": String(Buffer.byteLength(body)) } : {}) },
      },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => done({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on("error", fail);
    req.end(body);
  });
}
const json = (b: unknown) => JSON.stringify(b);
const messages = [{ role: "user", content: "What is 1+2? Answer in \\boxed{}." }];

beforeAll(async () => {
  model = await ensureTestModel();
  // A damaged data folder: a job record cut mid-write, a file record of the wrong shape, and one good file.
  mkdirSync(join(dataDir, "jobs"), { recursive: true });
  mkdirSync(join(dataDir, "files"), { recursive: true });
  writeFileSync(join(dataDir, "jobs", "ftjob-broken.json"), '{"job": {"id": "ftjob-broken", "sta');
  writeFileSync(join(dataDir, "files", "file-odd.json"), json({ id: 7 }));
  serve = await spawnServe([
    "--model",
    `rnd=${model}`,
    "--data-dir",
    dataDir,
    "--max-tokens",
    "16",
    "--ft-threads",
    "1",
    "--ft-max-queued",
    "1",
    "--society-task",
    "arithmetic",
  ]);
  port = Number(new URL(serve.baseURL).port);
}, 300_000);

afterAll(async () => {
  expect(await serve?.stop()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

describe("society serve refuses what a hostile web page sends", () => {
  it("started despite the corrupt records, naming each one it skipped", () => {
    expect(serve.output()).toMatch(/warning: skipping .*jobs\/ftjob-broken\.json: not valid JSON/);
    expect(serve.output()).toMatch(/warning: skipping .*files\/file-odd\.json: id: Expected string/);
  });

  it("a forged Host header (DNS rebinding) gets 403; the real one is answered", async () => {
    const evil = await raw("GET", "/v1/models", { host: "attacker.example:8080" });
    expect(evil.status).toBe(403);
    expect(evil.body.error.code).toBe("host_not_allowed");
    const post = await raw(
      "POST",
      "/v1/chat/completions",
      { host: "rebind.attacker.example", "content-type": "application/json" },
      json({ model: "rnd", messages }),
    );
    expect(post.status).toBe(403);
    const ok = await raw("GET", "/v1/models", { host: `127.0.0.1:${port}` });
    expect(ok.status).toBe(200);
    expect(ok.body.data.map((m: { id: string }) => m.id)).toContain("rnd");
    expect((await raw("GET", "/health", { host: `localhost:${port}` })).status).toBe(200);
  });

  it("a cross-origin page's request gets 403 (no CORS headers); a text/plain JSON body 415", async () => {
    const host = `127.0.0.1:${port}`;
    const evil = await raw(
      "POST",
      "/v1/chat/completions",
      { host, origin: "https://evil.example", "content-type": "application/json" },
      json({ model: "rnd", messages }),
    );
    expect(evil.status).toBe(403);
    expect(evil.body.error.code).toBe("origin_not_allowed");
    expect(evil.headers["access-control-allow-origin"]).toBeUndefined();
    const form = await raw("POST", "/v1/chat/completions", { host, "content-type": "text/plain" }, json({ model: "rnd", messages }));
    expect(form.status).toBe(415);
  });

  it('`stop: ""` does not empty the reply: it is the reply without a stop', async () => {
    const host = `127.0.0.1:${port}`;
    const ask = (extra: object) =>
      raw(
        "POST",
        "/v1/chat/completions",
        { host, "content-type": "application/json" },
        json({ model: "rnd", messages, seed: 3, max_tokens: 8, ...extra }),
      );
    const plain = await ask({});
    expect(plain.status).toBe(200);
    const text = plain.body.choices[0].message.content as string;
    expect(text.length).toBeGreaterThan(0);
    for (const stop of ["", [""], ["", ""]]) {
      const r = await ask({ stop });
      expect(r.status, JSON.stringify(stop)).toBe(200);
      expect(r.body.choices[0].message.content, JSON.stringify(stop)).toBe(text);
    }
  });

  it("the fine-tuning queue has a cap: beyond it 429 in OpenAI's shape", async () => {
    const host = `127.0.0.1:${port}`;
    const line = json({
      messages: [
        { role: "user", content: "1+1?" },
        { role: "assistant", content: "\\boxed{2}" },
      ],
    });
    const form = new FormData();
    form.set("purpose", "fine-tune");
    form.set("file", new File([Array.from({ length: 64 }, () => line).join("\n")], "t.jsonl"));
    const up = (await (await fetch(`${serve.baseURL}/files`, { method: "POST", body: form })).json()) as { id: string };
    const create = () =>
      raw(
        "POST",
        "/v1/fine_tuning/jobs",
        { host, "content-type": "application/json" },
        json({ model: "rnd", training_file: up.id, hyperparameters: { n_epochs: 50, batch_size: 1 } }),
      );
    const running = await create();
    const queued = await create();
    expect([running.status, queued.status]).toEqual([200, 200]);
    const refused = await create();
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: "rate_limit_exceeded", type: "invalid_request_error" });
    expect(refused.body.error.message).toMatch(/limit is 1/);
    for (const j of [queued, running]) expect((await raw("POST", `/v1/fine_tuning/jobs/${j.body.id}/cancel`, { host })).status).toBe(200);
  });
});

describe("society serve refuses at start what it cannot serve (exit 1, naming the problem)", () => {
  const start = (args: string[]) =>
    societyCli(["serve", "--port", "0", "--data-dir", join(dir, "start-data"), ...args], { env: { SOCIETY_LLAMA_THREADS: "1" } });

  it("a --model that is not a GGUF, or a hostile one", async () => {
    const notGguf = join(dir, "model.gguf");
    writeFileSync(notGguf, json({ hello: "world" }));
    const a = await start(["--model", notGguf]);
    expect(a.code).toBe(1);
    expect(a.out).toContain(`society: --model ${notGguf}: ${notGguf}: not a GGUF file`);
    const hostile = writeHostileGguf(join(dir, "hostile.gguf"));
    const t0 = performance.now();
    const b = await start(["--model", hostile]);
    expect(b.code).toBe(1);
    expect(b.out).toMatch(/hostile\.gguf: tensor count is 9223372036854775808/);
    expect(performance.now() - t0).toBeLessThan(60_000);
  });

  it("--society-agents 0, --society-rounds 0, and rounds > 1 with one agent", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--society-agents", "0"], /--society-agents must be a whole number ≥ 1 \(got 0\)/],
      [["--society-rounds", "0"], /--society-rounds must be a whole number ≥ 1 \(got 0\)/],
      [["--society-agents", "1"], /--society-rounds 2 needs --society-agents ≥ 2/],
      [["--society-model", "nope"], /--society-model nope: not a served model \(served: rnd\)/],
      [["--allow-origin", "evil.example/x"], /--allow-origin evil.example\/x: not an origin/],
    ];
    for (const [args, want] of cases) {
      const r = await start(["--model", `rnd=${model}`, ...args]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.out, args.join(" ")).toMatch(want);
      expect(r.out).not.toMatch(/listening on/);
    }
  });
});
