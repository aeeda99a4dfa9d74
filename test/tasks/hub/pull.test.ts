/** `pullDataset` against a real loopback server speaking the Hub's routes: files made here, real fetch. */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { pullDataset, splitRepo } from "../../../src/tasks/hub/pull.js";
import { readRows } from "../../../src/tasks/read/rows.js";
import { startLoopbackHub, type LoopbackHub } from "../../support/loopback-hub.js";

const parquet = (rows: Array<{ q: string; a: number }>) =>
  Buffer.from(
    parquetWriteBuffer({
      columnData: [
        { name: "q", data: rows.map((r) => r.q), type: "STRING" },
        { name: "a", data: rows.map((r) => BigInt(r.a)), type: "INT64" },
      ],
    }),
  );
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

const trainParquet = parquet([
  { q: "1+1", a: 2 },
  { q: "2+2", a: 4 },
]);
const testParquet = parquet([{ q: "3+3", a: 6 }]);
const card = {
  configs: [
    {
      config_name: "default",
      data_files: [
        { split: "train", path: "data/train-*" },
        { split: "test", path: "data/test-*" },
      ],
    },
  ],
};

let hub: LoopbackHub;
let cache: string;
const client = () => ({ endpoint: hub.url, token: "secret-token", fetch: globalThis.fetch });

beforeAll(async () => {
  hub = await startLoopbackHub(
    [
      {
        repo: "org/sums",
        cardData: card,
        files: [
          { path: ".gitattributes", content: "*.parquet filter=lfs\n" },
          { path: "README.md", content: "---\nconfigs: ...\n---\n" },
          { path: "data/train-00000-of-00001.parquet", content: trainParquet, lfs: true },
          { path: "data/test-00000-of-00001.parquet", content: testParquet, lfs: true },
        ],
      },
      // No card configs: splits come from file names; a plain (non-LFS) JSONL file checked by its git blob id.
      {
        repo: "org/plain",
        files: [
          { path: "train.jsonl", content: '{"q":"a"}\n' },
          { path: "validation.jsonl", content: '{"q":"b"}\n' },
        ],
      },
      { repo: "org/gated", gated: true, files: [{ path: "data/train.csv", content: "q,a\nx,1\n" }] },
      { repo: "org/broken", files: [{ path: "data/train.parquet", content: trainParquet, lfs: true }], corrupt: ["data/train.parquet"] },
      // A data set with no data files of its own (a loading script): the Hub's Parquet conversion serves it.
      {
        repo: "org/scripted",
        files: [{ path: "scripted.py", content: "# a loading script\n" }],
        conversion: { default: { train: [trainParquet] } },
      },
      {
        repo: "org/multi",
        cardData: {
          configs: [
            { config_name: "algebra", data_files: [{ split: "train", path: "algebra/train-*" }] },
            { config_name: "geometry", data_files: "geometry/*.parquet" },
          ],
        },
        files: [
          { path: "algebra/train-0.parquet", content: trainParquet, lfs: true },
          { path: "geometry/g.parquet", content: testParquet, lfs: true },
        ],
      },
    ],
    { token: "secret-token", pageSize: 2 },
  );
});
afterAll(() => hub?.close());

const fresh = () => (cache = mkdtempSync(join(tmpdir(), "hub-cache-")));

describe("pullDataset", () => {
  it("resolves main to a commit, downloads each split's files into the cache, checked against the Hub's sha256", async () => {
    fresh();
    const r = await pullDataset({ repo: "org/sums" }, { cacheDir: cache, client: client() });
    expect(r.sha).toBe(hub.shaOf("org/sums"));
    expect(r.mode).toBe("online");
    expect(r.downloaded).toBe(2);
    expect(r.splits.map((s) => `${s.config}/${s.split}`)).toEqual(["default/train", "default/test"]);
    const train = r.splits[0]!.files[0]!;
    expect(train.local).toBe(join(cache, "org", "sums", r.sha, "data/train-00000-of-00001.parquet"));
    expect(train.sha256).toBe(sha256(trainParquet));
    expect(readFileSync(train.local)).toEqual(trainParquet);
    expect((await readRows(train.local)).map((x) => x.value)).toEqual([
      { q: "1+1", a: 2 },
      { q: "2+2", a: 4 },
    ]);
    expect(readFileSync(join(cache, "org", "sums", "refs", "main"), "utf8").trim()).toBe(r.sha);
    // The tree was paged (2 entries a page) and followed to the end.
    expect(hub.requests.filter((q) => q.path.includes("/tree/") && q.path.includes("cursor=")).length).toBeGreaterThan(0);
  });

  it("sends the token to the Hub but never to the CDN a download redirects to", async () => {
    fresh();
    hub.requests.length = 0;
    await pullDataset({ repo: "org/sums", splits: ["train"] }, { cacheDir: cache, client: client() });
    expect(hub.requests.filter((q) => q.server === "hub").every((q) => q.auth)).toBe(true);
    const cdn = hub.requests.filter((q) => q.server === "cdn");
    expect(cdn.length).toBe(1);
    expect(cdn[0]!.auth).toBe(false);
  });

  it("downloads nothing already cached, and reads a pinned commit from the cache without asking the Hub", async () => {
    fresh();
    const first = await pullDataset({ repo: "org/sums" }, { cacheDir: cache, client: client() });
    const again = await pullDataset({ repo: "org/sums" }, { cacheDir: cache, client: client() });
    expect(again.downloaded).toBe(0);
    hub.requests.length = 0;
    const pinned = await pullDataset({ repo: "org/sums", revision: first.sha, splits: ["test"] }, { cacheDir: cache, client: client() });
    expect(pinned.mode).toBe("offline");
    expect(pinned.splits[0]!.files[0]!.sha256).toBe(sha256(testParquet));
    expect(hub.requests).toEqual([]);
  });

  it("works offline from the cache: HF_HUB_OFFLINE, or the Hub unreachable; and says what is missing", async () => {
    fresh();
    await pullDataset({ repo: "org/sums", splits: ["train"] }, { cacheDir: cache, client: client() });
    const off = await pullDataset({ repo: "org/sums", splits: ["train"] }, { cacheDir: cache, client: client(), offline: true });
    expect(off.mode).toBe("offline");
    const logs: string[] = [];
    const unreachable = { endpoint: "http://127.0.0.1:9", fetch: globalThis.fetch };
    const down = await pullDataset(
      { repo: "org/sums", splits: ["train"] },
      { cacheDir: cache, client: unreachable, warn: (l) => logs.push(l) },
    );
    expect(down.sha).toBe(hub.shaOf("org/sums"));
    expect(logs.join("\n")).toMatch(/cannot reach the Hub at http:\/\/127\.0\.0\.1:9 .*using the cached copy/);
    await expect(pullDataset({ repo: "org/sums", splits: ["test"] }, { cacheDir: cache, client: client(), offline: true })).rejects.toThrow(
      /offline: org\/sums@main default\/test is not in the cache .*society data pull org\/sums/,
    );
    await expect(pullDataset({ repo: "org/other" }, { cacheDir: cache, client: unreachable })).rejects.toThrow(
      /cannot reach the Hub.*not in the cache/,
    );
  });

  it("finds splits by file name when the card declares no configs, and checks plain files by their git blob id", async () => {
    fresh();
    const r = await pullDataset({ repo: "org/plain" }, { cacheDir: cache, client: client() });
    expect(r.splits.map((s) => [s.split, s.files.map((f) => f.path)])).toEqual([
      ["train", ["train.jsonl"]],
      ["validation", ["validation.jsonl"]],
    ]);
  });

  it("pulls named configs, or all of them", async () => {
    fresh();
    await expect(pullDataset({ repo: "org/multi" }, { cacheDir: cache, client: client() })).rejects.toThrow(
      /org\/multi: name a config \(it has algebra, geometry; or --config all\)/,
    );
    const all = await pullDataset({ repo: "org/multi", configs: "all" }, { cacheDir: cache, client: client() });
    expect(all.splits.map((s) => [s.config, s.split, s.files.map((f) => f.path)])).toEqual([
      ["algebra", "train", ["algebra/train-0.parquet"]],
      ["geometry", "train", ["geometry/g.parquet"]],
    ]);
    await expect(
      pullDataset({ repo: "org/multi", configs: ["algebra"], splits: ["test"] }, { cacheDir: cache, client: client() }),
    ).rejects.toThrow(/config "algebra" has no split "test" \(it has train\)/);
  });

  it("falls back to the Hub's Parquet conversion for a data set without data files", async () => {
    fresh();
    const r = await pullDataset({ repo: "org/scripted" }, { cacheDir: cache, client: client() });
    expect(r.splits).toHaveLength(1);
    expect(r.splits[0]).toMatchObject({ config: "default", split: "train", source: "parquet-conversion" });
    expect(r.splits[0]!.files[0]!.sha256).toBe(sha256(trainParquet));
  });

  it("needs HF_TOKEN for a gated data set, and says so", async () => {
    fresh();
    const err = await pullDataset({ repo: "org/gated" }, { cacheDir: cache, client: { endpoint: hub.url, fetch: globalThis.fetch } }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(
      /org\/gated@main: HTTP 401 — Access to dataset org\/gated is restricted.*\(gated or private: set HF_TOKEN\)/,
    );
    const ok = await pullDataset({ repo: "org/gated" }, { cacheDir: cache, client: client() });
    expect(ok.splits[0]!.files[0]!.path).toBe("data/train.csv");
  });

  it("refuses a download whose bytes differ from the Hub's digest, leaving nothing in the cache", async () => {
    fresh();
    await expect(pullDataset({ repo: "org/broken" }, { cacheDir: cache, client: client() })).rejects.toThrow(
      /data\/train\.parquet: got \d+ bytes, the Hub lists \d+|sha256 .* differs from the Hub's/,
    );
    const dir = join(cache, "org", "broken", hub.shaOf("org/broken"));
    expect(existsSync(join(dir, "data/train.parquet"))).toBe(false);
    expect(existsSync(join(dir, "data")) ? readdirSync(join(dir, "data")) : []).toEqual([]);
    expect(existsSync(join(dir, "manifest.json"))).toBe(false);
  });

  it("names what is not found: the data set, a revision", async () => {
    fresh();
    await expect(pullDataset({ repo: "org/nothing" }, { cacheDir: cache, client: client() })).rejects.toThrow(
      /org\/nothing@main: HTTP 404 — Repository not found \(check the owner\/name/,
    );
    await expect(pullDataset({ repo: "org/sums", revision: "v9" }, { cacheDir: cache, client: client() })).rejects.toThrow(
      /org\/sums@v9: HTTP 404 — Invalid rev id: v9/,
    );
  });

  it("parses owner/name@revision", () => {
    expect(splitRepo("a/b@v1")).toEqual({ repo: "a/b", revision: "v1" });
    expect(splitRepo("a/b")).toEqual({ repo: "a/b", revision: undefined });
    for (const bad of ["a", "a/b/c", "a/b@", "a/b@x@y"]) expect(() => splitRepo(bad)).toThrow(UserError);
  });
});
