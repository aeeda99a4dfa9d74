/**
 * A run's chat template: its strftime_now() day is fixed when the run starts, recorded in the resolved config
 * and handed to every training request, and kept when the run resumes on a later day; a run stored before
 * templates were configurable keeps node-llama-cpp's wrapper. Through executeRun on fakes (real SQLite file).
 */
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { runIdFor } from "../../src/run/run-id.js";
import { FakeTrainer } from "../../src/training/fake.js";
import { fakeConfig, openDb, runFake } from "../methods/fixtures/fake-run.js";

afterEach(() => vi.useRealTimers());

const storedTemplate = (dbPath: string, runId: string) => {
  const db = openDb(dbPath);
  try {
    const row = db.prepare("select config from runs where id = ?").get(runId) as { config: string };
    return (JSON.parse(row.config) as { model: { chat_template?: unknown } }).model.chat_template;
  } finally {
    db.close();
  }
};

describe("a run's chat template", () => {
  it("is pinned to the day the run started, recorded, passed to training, and kept on resume days later", async () => {
    const config = fakeConfig({ methods: ["single-agent-ft"] });
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2025-03-01T23:59:00Z") });
    const first = await runFake(config, { failGenerateAt: 40 });
    expect(first.error?.message).toMatch(/connection lost/);
    const runId = runIdFor(config, config.seed);
    expect(storedTemplate(first.dbPath, runId)).toEqual({ source: "model", date: "2025-03-01", variables: {} });

    vi.setSystemTime(new Date("2025-03-05T08:00:00Z"));
    const trainer = new FakeTrainer();
    const again = await runFake(config, { dir: first.dir, trainer });
    if (again.error) throw again.error;
    expect(again.runId).toBe(runId);
    expect(storedTemplate(again.dbPath, runId)).toEqual({ source: "model", date: "2025-03-01", variables: {} });
    expect(trainer.requests.length).toBeGreaterThan(0);
    for (const r of trainer.requests) expect(r.chatTemplate).toEqual({ source: "model", date: "2025-03-01", variables: {} });
  });

  it("a date or variables in the config are the user's and change the run id; the default does not", () => {
    const base = parseConfig("task: {name: arithmetic}\n");
    expect(runIdFor(parseConfig("task: {name: arithmetic}\nmodel: {chat_template: {source: model}}\n"), 1)).toBe(runIdFor(base, 1));
    expect(runIdFor(parseConfig("task: {name: arithmetic}\nmodel: {chat_template: {date: 2025-01-02}}\n"), 1)).not.toBe(runIdFor(base, 1));
    expect(runIdFor(parseConfig("task: {name: arithmetic}\nmodel: {chat_template: {variables: {enable_thinking: false}}}\n"), 1)).not.toBe(
      runIdFor(base, 1),
    );
    expect(() => parseConfig("task: {name: arithmetic}\nmodel:\n  chat_template: {date: tomorrow}\n", "c.yaml")).toThrow(
      /^c\.yaml:3:\d+: model\.chat_template\.date: must be YYYY-MM-DD/,
    );
  });

  it("a run stored before chat templates were configurable resumes with node-llama-cpp's wrapper, as it rendered then", async () => {
    const config = fakeConfig({ methods: ["single-agent-ft"] });
    const first = await runFake(config, { failGenerateAt: 40 });
    const runId = runIdFor(config, config.seed);
    const db = new Database(first.dbPath);
    db.prepare("update runs set config = json_remove(config, '$.model.chat_template') where id = ?").run(runId);
    db.close();
    const trainer = new FakeTrainer();
    const again = await runFake(config, { dir: first.dir, trainer });
    if (again.error) throw again.error;
    expect(again.log.join("\n")).toMatch(/stored before chat templates were configurable/);
    expect(trainer.requests[0]!.chatTemplate?.source).toBe("auto");
  });
});
