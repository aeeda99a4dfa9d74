import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../src/config/load.js";

const ok = `name: demo
seed: 7
task:
  name: arithmetic
  test:
    limit: 20
training:
  lora:
    rank: 4
`;

describe("run config", () => {
  it("fills defaults and keeps given values", () => {
    const c = parseConfig(ok, "demo.yaml");
    expect(c.seed).toBe(7);
    expect(c.task.test.limit).toBe(20);
    expect(c.training.lora.rank).toBe(4);
    expect(c.training.lora.alpha).toBe(16);
    expect(c.agents).toBe(3);
    expect(c.rounds).toBe(2);
    expect(c.debate.temperature).toBe(1.0);
    expect(c.datasets.w).toBe(0.5);
  });

  it("names file, line and field for bad YAML", () => {
    expect(() => parseConfig("name: x\ntask: [unclosed\n", "bad.yaml")).toThrow(/^bad\.yaml:\d+:\d+: invalid YAML/);
  });

  it("names the line of an unknown field", () => {
    const text = ok.replace("    rank: 4", "    rank: 4\n    rnak: 5");
    expect(() => parseConfig(text, "c.yaml")).toThrow(/^c\.yaml:10:5: unknown field "rnak" in training\.lora/);
  });

  it("names the line and field of a wrong type", () => {
    const text = ok.replace("rank: 4", 'rank: "four"');
    expect(() => parseConfig(text, "c.yaml")).toThrow(/^c\.yaml:9:11: training\.lora\.rank: Expected number, received string/);
  });

  it("names a missing required field", () => {
    expect(() => parseConfig("name: x\n", "c.yaml")).toThrow(/c\.yaml:1:1: task: required field is missing/);
  });

  it("rejects a bad enum with its line", () => {
    expect(() => parseConfig("task:\n  name: chess\n", "c.yaml")).toThrow(/c\.yaml:2:9: task\.name: unknown task "chess"/);
  });

  it("model.endpoints: a pool for the openai backend, each with concurrency and adapter addressing", () => {
    const pool = `${ok}model:\n  backend: openai\n  endpoints:\n    - url: http://gpu1:8080/v1\n      adapters: lora\n    - url: http://gpu2:8000/v1\n      concurrency: 16\n`;
    expect(parseConfig(pool, "c.yaml").model.endpoints).toEqual([
      { url: "http://gpu1:8080/v1", concurrency: 4, adapters: "lora" },
      { url: "http://gpu2:8000/v1", concurrency: 16, adapters: "none" },
    ]);
    expect(() => parseConfig(pool.replace("backend: openai", "backend: llama"), "c.yaml")).toThrow(
      /c\.yaml:\d+:\d+: model\.endpoints: model\.endpoints needs model\.backend: openai/,
    );
    expect(() => parseConfig(pool.replace("adapters: lora", "adapters: loras"), "c.yaml")).toThrow(
      /c\.yaml:14:17: model\.endpoints\.0\.adapters/,
    );
  });

  it("applies overrides over the file", () => {
    const c = parseConfig(ok, "c.yaml", { seed: 3, training: { lora: { alpha: 2 } } });
    expect(c.seed).toBe(3);
    expect(c.training.lora).toMatchObject({ rank: 4, alpha: 2 });
  });

  it("takes a task file and data paths relative to the config file; paths given as flags stay as given", () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-paths-"));
    const file = join(dir, "run.yaml");
    writeFileSync(file, "task:\n  name: tasks/mine.yaml\n  train:\n    path: data/train.csv\n");
    const c = loadConfig(file, { task: { test: { path: "here.csv" } } });
    expect(c.task.name).toBe(join(dir, "tasks/mine.yaml"));
    expect(c.task.train.path).toBe(join(dir, "data/train.csv"));
    expect(c.task.test.path).toBe("here.csv");
    expect(loadConfig(file, { task: { name: "gsm8k" } }).task.name).toBe("gsm8k");
  });

  it("reports an unreadable file by name", () => {
    expect(() => loadConfig("/no/such/file.yaml")).toThrow(/cannot read config \/no\/such\/file\.yaml: ENOENT/);
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    writeFileSync(join(dir, "a.yaml"), ok);
    expect(loadConfig(join(dir, "a.yaml")).name).toBe("demo");
  });
});
