import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaBackend } from "../../src/backends/llama/backend.js";
import { resolveEvalArgs } from "../../src/evaluate/args.js";
import { runEval } from "../../src/evaluate/run.js";
import { createScriptedLlamaGguf } from "../../src/models/scripted-model.js";
import { listen, type RunningServer } from "../../src/server/listen.js";
import { createOpenAIApp } from "../../src/server/openai-app.js";
import { openStore, type Store } from "../../src/store/index.js";
import { getTask } from "../../src/tasks/index.js";

let dir: string;
let six: string; // a scripted model that always answers 6
let backend: LlamaBackend;
let store: Store;
let server: RunningServer;
let config: string;
let golds: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "society-eval-"));
  six = createScriptedLlamaGguf({ path: join(dir, "six.gguf"), reply: "\\boxed{6}" });
  config = join(dir, "eval.yaml");
  writeFileSync(
    config,
    `name: t\ntask:\n  name: arithmetic\n  options:\n    max_value: 3\n  test:\n    limit: 20\nmodel:\n  base: ${six}\ndebate:\n  max_tokens: 16\n`,
  );
  golds = (await getTask("arithmetic", { max_value: 3 }).questions("test", { limit: 20 })).map((q) => q.gold);
  backend = await LlamaBackend.create({ gpu: false, threads: 1, parallel: 8, contextSize: 512 });
  store = await openStore(join(dir, "s.db"));
  server = await listen(createOpenAIApp({ backend, models: { six: { base: six } } }));
});

afterAll(async () => {
  await server?.close();
  await store?.close();
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("runEval", () => {
  it("evaluates single, majority and debate; writes metrics, the run and runs/<id>/", async () => {
    const expected = golds.filter((g) => g === "6").length / golds.length;
    expect(golds.length).toBe(20);
    expect(expected).toBeGreaterThan(0); // the scripted model is right on some questions, wrong on others
    expect(expected).toBeLessThan(1);
    for (const method of ["single", "majority", "debate"] as const) {
      const lines: string[] = [];
      const r = resolveEvalArgs({ config, method, "out-dir": join(dir, "runs") });
      const res = await runEval(r, { store, backend, progressStream: { write: (s: string) => lines.push(s) } });
      expect(res.summary).toMatchObject({ questions: 20, accuracy: expected, unparsed: 0 });
      expect(res.tokensPerSecond).toBeGreaterThan(0);
      expect(lines.at(-1)).toMatch(/20\/20 questions .* done/);

      const run = await store.runs.get(res.runId);
      expect(run).toMatchObject({ status: "done", methods: [method], seed: 1 });
      const metrics = Object.fromEntries((await store.metrics.list({ runId: res.runId })).map((m) => [m.name, m.value]));
      expect(metrics).toMatchObject({ accuracy: expected, questions: 20, unparsed: 0 });
      expect(metrics.accuracy_stderr).toBeCloseTo(Math.sqrt((expected * (1 - expected)) / 20), 12);
      const turns = (await store.turns.listFor({ runId: res.runId, method, iteration: 0, phase: "test" })).length;
      expect(turns).toBe(20 * { single: 1, majority: 3, debate: 9 }[method]);

      const results = JSON.parse(readFileSync(join(res.dir, "results.json"), "utf8"));
      expect(results).toMatchObject({ run_id: res.runId, method, questions: 20, accuracy: expected, resumed: false });
      expect(JSON.parse(readFileSync(join(res.dir, "config.json"), "utf8")).eval.method).toBe(method);
      const perQuestion = readFileSync(join(res.dir, "questions.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(perQuestion.map((q) => q.gold)).toEqual(golds);
      expect(perQuestion.every((q) => q.final_answer === "6")).toBe(true);
    }
  });

  it("runs the same evaluation through the openai backend against the loopback server", async () => {
    const r = resolveEvalArgs({
      config,
      method: "majority",
      backend: "openai",
      model: "six",
      "base-url": `${server.url}/v1`,
      "out-dir": join(dir, "runs"),
    });
    const res = await runEval(r, { store, progressStream: { write: () => {} } });
    expect(res.summary.accuracy).toBe(golds.filter((g) => g === "6").length / 20);
    expect(res.summary.completionTokens).toBe(20 * 3 * 9);
    expect(existsSync(join(res.dir, "results.json"))).toBe(true);
  });

  it("marks the run failed with the reason when the evaluation fails", async () => {
    const r = resolveEvalArgs({ config, method: "single", model: join(dir, "missing.gguf"), "out-dir": join(dir, "runs") });
    await expect(runEval(r, { store, backend })).rejects.toThrow(/GGUF file not found/);
    const failed = (await store.runs.list()).find((x) => x.status === "failed");
    expect(failed?.error).toMatch(/GGUF file not found/);
  });
});
