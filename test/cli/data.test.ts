/** `society data pull | list` in process, against a real loopback server speaking the Hub's routes. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { societyInProcess } from "../support/society-in-process.js";
import { startLoopbackHub, type LoopbackHub } from "../support/loopback-hub.js";

const society = societyInProcess;

let hub: LoopbackHub;
const pq = Buffer.from(parquetWriteBuffer({ columnData: [{ name: "q", data: ["a", "b"], type: "STRING" }] }));
beforeAll(async () => {
  hub = await startLoopbackHub(
    [
      {
        repo: "org/two",
        cardData: {
          configs: [
            { config_name: "x", data_files: [{ split: "train", path: "x/train.parquet" }] },
            {
              config_name: "y",
              data_files: [
                { split: "train", path: "y/*.parquet" },
                { split: "test", path: "y/test/*" },
              ],
            },
          ],
        },
        files: [
          { path: "x/train.parquet", content: pq, lfs: true },
          { path: "y/a.parquet", content: pq, lfs: true },
          { path: "y/test/t.jsonl", content: '{"q":"c"}\n' },
        ],
      },
      { repo: "org/gated", gated: true, files: [{ path: "train.csv", content: "q\nz\n" }] },
    ],
    { token: "tok" },
  );
  process.env.HF_ENDPOINT = hub.url;
  process.env.SOCIETY_HUB_CACHE = mkdtempSync(join(tmpdir(), "cli-data-"));
  delete process.env.HF_TOKEN;
  process.env.HF_HOME = mkdtempSync(join(tmpdir(), "hf-home-empty-"));
});
afterAll(() => hub?.close());

describe("society data", () => {
  it("pull: every config and split, then list shows them; a second pull downloads nothing", async () => {
    const r = await society("data", "pull", "org/two", "--config", "all");
    expect(r.code, r.stderr).toBe(0);
    const sha = hub.shaOf("org/two");
    expect(r.stdout).toContain(`org/two@main → ${sha}  (3 file(s) downloaded)`);
    expect(r.stdout).toMatch(/^ {2}x\/train +1 file\(s\) +[\d.]+ kB\n {6}[0-9a-f]{16}… {2}x\/train\.parquet$/m);
    expect(r.stdout).toMatch(/^ {2}y\/test +1 file\(s\)/m);
    expect(r.stdout).toContain(`in a task file:  train: { hub: org/two@${sha}, config: x, split: train }`);
    const again = await society("data", "pull", "org/two@main", "--config", "y", "--split", "test");
    expect(again.stdout).toContain("(0 file(s) downloaded)");
    const list = await society("data", "list");
    expect(list.stdout.trim()).toBe(`org/two@${sha.slice(0, 12)} [main]  x/train (1), y/train (1), y/test (1)`);
  });

  it("--offline answers from the cache, or says what to pull", async () => {
    const ok = await society("data", "pull", "org/two", "--config", "x", "--offline");
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("(from the cache)");
    const miss = await society("data", "pull", "org/gated", "--offline");
    expect(miss.code).toBe(1);
    expect(miss.stderr).toMatch(
      /society: offline: org\/gated@main is not in the cache .*run `society data pull org\/gated` once with network/,
    );
  });

  it("user errors exit 1 with one line: a bad name, a gated data set without HF_TOKEN, an unknown config", async () => {
    const bad = await society("data", "pull", "not-a-repo");
    expect([bad.code, bad.stderr.trim()]).toEqual([1, 'society: "not-a-repo" is not a Hub data set (owner/name, optionally @revision)']);
    const gated = await society("data", "pull", "org/gated");
    expect(gated.code).toBe(1);
    expect(gated.stderr).toMatch(/HTTP 401 .*\(gated or private: set HF_TOKEN\)/);
    process.env.HF_TOKEN = "tok";
    try {
      expect((await society("data", "pull", "org/gated")).code).toBe(0);
    } finally {
      delete process.env.HF_TOKEN;
    }
    // The token a Hub login saved, when HF_TOKEN is not set.
    const home = mkdtempSync(join(tmpdir(), "hf-home-"));
    writeFileSync(join(home, "token"), "tok\n");
    process.env.HF_HOME = home;
    try {
      expect((await society("data", "pull", "org/gated", "--split", "train")).code).toBe(0);
    } finally {
      process.env.HF_HOME = mkdtempSync(join(tmpdir(), "hf-home-empty-"));
    }
    const conf = await society("data", "pull", "org/two", "--config", "z");
    expect(conf.stderr.trim()).toBe('society: org/two: no config "z" (it has x, y)');
  });
});
