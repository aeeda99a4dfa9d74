/**
 * Runs on tasks of the user's own, end to end on the real tiny model: a task file over CSV files, and one
 * over Parquet files pulled from a real loopback server speaking the Hub's routes (then resumed with that
 * server gone, from the cache). The questions are arithmetic so the tiny model, which only knows that,
 * answers them through the arithmetic prompts.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { societyInProcess } from "../support/society-in-process.js";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import { renderPrompt } from "../../src/prompts/templates.js";
import { openStore } from "../../src/store/index.js";
import { generateArithmetic } from "../../src/tasks/arithmetic.js";
import { hubParquetRepo } from "../support/hub-parquet-repo.js";
import { startLoopbackHub, type LoopbackHub } from "../support/loopback-hub.js";
import { tinyRunConfig } from "../support/tiny-run-config.js";

const tmp = mkdtempSync(join(tmpdir(), "data-tasks-"));
const train = generateArithmetic("train", 0, 6, 3);
const test = generateArithmetic("test", 0, 6, 3);
const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

const society = societyInProcess;

const runConfig = (name: string, task: string, methods: string[]) =>
  stringify(
    tinyRunConfig({
      name,
      seed: 2,
      task: { name: task },
      methods,
      debate: { max_tokens: 40 },
      training: { optim: { epochs: 1, batch_size: 4 } },
    }),
  );

function onlyRunDir(out: string, prefix: string): string {
  const dirs = readdirSync(out).filter((d) => d.startsWith(prefix));
  expect(dirs).toHaveLength(1);
  return join(out, dirs[0]!);
}

describe("a run on the user's own CSV task", () => {
  const dir = join(tmp, "csv");
  const csv = (qs: typeof train) => `id,expr,value\n${qs.map((q) => `${q.id},${q.text},${q.gold}`).join("\n")}\n`;
  const db = join(dir, "s.db");
  const out = join(dir, "runs");

  it("debates, trains on its train split and evaluates, recording each data file's sha256", async () => {
    await ensureTinyModel("test");
    process.env.SOCIETY_LLAMA_THREADS = "1";
    mkdirSync(join(dir, "tasks"), { recursive: true });
    writeFileSync(join(dir, "tasks/train.csv"), csv(train));
    writeFileSync(join(dir, "tasks/test.csv"), csv(test));
    writeFileSync(
      join(dir, "tasks/sums.yaml"),
      "name: sums-csv\ntrain: train.csv\ntest: test.csv\nid: id\nquestion: expr\ngold: value\nextractor: boxed\ngrader: numeric\nprompts: arithmetic\n",
    );
    writeFileSync(join(dir, "run.yaml"), runConfig("csv-task", "tasks/sums.yaml", ["base", "single-agent-ft"]));
    const r = await society("run", join(dir, "run.yaml"), "--db", db, "--out", out);
    expect(r.code, r.out).toBe(0);
    const runDir = onlyRunDir(out, "csv-task-");
    const results = JSON.parse(readFileSync(join(runDir, "report/results.json"), "utf8"));
    expect(results.methods["base"].accuracy).toHaveLength(1);
    expect(results.methods["single-agent-ft"].accuracy).toHaveLength(2);
    const resolved = parse(readFileSync(join(runDir, "config.yaml"), "utf8"));
    expect(resolved.task.data_files.train).toEqual([{ path: join(dir, "tasks/train.csv"), sha256: sha256(csv(train)), rows: 6 }]);
    expect(resolved.task.data_files.test).toEqual([{ path: join(dir, "tasks/test.csv"), sha256: sha256(csv(test)), rows: 6 }]);

    const store = await openStore(db);
    const qs = await store.questions.list("sums-csv", "test");
    expect(qs.map((q) => q.qid).sort()).toEqual(test.map((q) => q.id).sort());
    const runId = runDir.split("/").at(-1)!;
    const turns = await store.turns.listFor({ runId, method: "base", iteration: 0, phase: "test" });
    expect(turns.length).toBeGreaterThan(0);
    // The task file's prompts folder (the arithmetic templates the tiny model knows), and its extractor on real output.
    const generatorPrompts = new Set(qs.map((q) => renderPrompt("arithmetic", "generator", { question: q.text })));
    expect(turns.filter((t) => t.round === 1).every((t) => generatorPrompts.has(t.prompt[0]!.content))).toBe(true);
    expect(turns.some((t) => t.parseStatus === "boxed")).toBe(true);
    await store.close();
  }, 900_000);

  it("refuses to resume over changed data, before touching the store", async () => {
    writeFileSync(join(dir, "tasks/test.csv"), csv(test).replace(`,${test[0]!.gold}\n`, `,${Number(test[0]!.gold) + 1}\n`));
    const r = await society("run", join(dir, "run.yaml"), "--db", db, "--out", out);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /society: run csv-task-s2-\w+: the test data differs from the data it was started on .*tasks\/test\.csv changed \(sha256/,
    );
    const store = await openStore(db);
    expect((await store.questions.list("sums-csv", "test")).find((x) => x.qid === test[0]!.id)!.gold).toBe(test[0]!.gold);
    await store.close();
    writeFileSync(join(dir, "tasks/test.csv"), csv(test));
  });

  it("refuses a train file holding a test question under another id, leaving no run behind", async () => {
    const leaky = join(dir, "leak");
    mkdirSync(leaky, { recursive: true });
    writeFileSync(join(leaky, "train.csv"), csv([...train.slice(0, 3), { ...test[2]!, id: "my-own-id", split: "train" }]));
    writeFileSync(join(leaky, "test.csv"), csv(test));
    writeFileSync(
      join(leaky, "sums.yaml"),
      "name: sums-leak\ntrain: train.csv\ntest: test.csv\nid: id\nquestion: expr\ngold: value\nextractor: boxed\ngrader: numeric\nprompts: arithmetic\n",
    );
    writeFileSync(join(leaky, "run.yaml"), runConfig("leak", "sums.yaml", ["base"]));
    const r = await society("run", join(leaky, "run.yaml"), "--db", join(leaky, "l.db"), "--out", join(leaky, "runs"));
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      `society: train and test splits overlap: 1 question(s): sums-leak:my-own-id = sums-leak:${test[2]!.id} (same text`,
    );
    const store = await openStore(join(leaky, "l.db"));
    expect(await store.runs.list()).toEqual([]);
    expect(await store.questions.list("sums-leak", "train")).toEqual([]);
    await store.close();
    expect(existsSync(join(leaky, "runs"))).toBe(false);
  });
});

describe("a run on a Parquet task pulled from the (loopback) Hub", () => {
  let hub: LoopbackHub | undefined;
  afterAll(() => hub?.close());
  const pq = (qs: typeof train) =>
    Buffer.from(
      parquetWriteBuffer({
        columnData: [
          { name: "uid", data: qs.map((q) => q.id), type: "STRING" },
          { name: "expr", data: qs.map((q) => q.text), type: "STRING" },
          { name: "value", data: qs.map((q) => BigInt(q.gold)), type: "INT64" },
        ],
      }),
    );

  it("pulls, runs end to end, and resumes offline from the cache with the Hub gone", async () => {
    await ensureTinyModel("test");
    const trainPq = pq(train);
    const testPq = pq(test);
    hub = await startLoopbackHub([
      hubParquetRepo("society-test/sums", { default: { dir: "data", splits: { train: trainPq, test: testPq } } }, [
        { path: "README.md", content: "# sums\n" },
      ]),
    ]);
    const dir = join(tmp, "hub");
    mkdirSync(dir, { recursive: true });
    process.env.HF_ENDPOINT = hub.url;
    process.env.SOCIETY_HUB_CACHE = join(dir, "cache");
    process.env.SOCIETY_LLAMA_THREADS = "1";
    const pulled = await society("data", "pull", "society-test/sums");
    expect(pulled.code, pulled.out).toBe(0);
    const sha = hub.shaOf("society-test/sums");
    expect(pulled.out).toContain(`society-test/sums@main → ${sha}  (2 file(s) downloaded)`);
    expect(pulled.out).toContain(`in a task file:  train: { hub: society-test/sums@${sha}, split: train }`);

    writeFileSync(
      join(dir, "sums.yaml"),
      "name: sums-hub\ntrain: { hub: society-test/sums, split: train }\ntest: { hub: society-test/sums, split: test }\nid: uid\nquestion: expr\ngold: value\nextractor: boxed\ngrader: numeric\nprompts: arithmetic\n",
    );
    writeFileSync(join(dir, "run.yaml"), runConfig("hub-task", "sums.yaml", ["single-agent-ft"]));
    const args = ["run", join(dir, "run.yaml"), "--db", join(dir, "h.db"), "--out", join(dir, "runs")];
    const r = await society(...args);
    expect(r.code, r.out).toBe(0);
    const runDir = onlyRunDir(join(dir, "runs"), "hub-task-");
    const results = JSON.parse(readFileSync(join(runDir, "report/results.json"), "utf8"));
    expect(results.methods["single-agent-ft"].accuracy).toHaveLength(2);
    const resolved = parse(readFileSync(join(runDir, "config.yaml"), "utf8"));
    expect(resolved.task.data_files.train).toEqual([
      {
        path: join(dir, "cache/society-test/sums", sha, "data/train-00000-of-00001.parquet"),
        sha256: sha256(trainPq),
        rows: 6,
        hub: { repo: "society-test/sums", revision: sha, file: "data/train-00000-of-00001.parquet" },
      },
    ]);
    expect(resolved.task.data_files.test[0].sha256).toBe(sha256(testPq));

    await hub.close();
    hub = undefined;
    const again = await society(...args);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(/cannot reach the Hub at .*using the cached copy of society-test\/sums@main/);
    expect(again.out).toMatch(/resuming run hub-task-/);
  }, 900_000);
});
