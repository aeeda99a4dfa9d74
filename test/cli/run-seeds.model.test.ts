/** `society run --seeds`: one run per seed on the real tiny model, each with its report, plus a mean ± std summary. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { main } from "../../src/cli/main.js";
import { meanStd } from "../../src/metrics/accuracy.js";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import { getTask } from "../../src/tasks/index.js";

describe("society run --seeds", () => {
  it("runs every seed, reports each, and summarizes them as mean ± std without overwriting a seed's report", async () => {
    await ensureTinyModel("test");
    const tmp = mkdtempSync(join(tmpdir(), "seeds-"));
    const config = join(tmp, "seeds.yaml");
    writeFileSync(
      config,
      stringify({
        name: "seeds-test",
        task: { name: "arithmetic", options: { maxValue: 3 }, train: { limit: 4 }, test: { limit: 12 } },
        model: { base: "tiny", tiny_recipe: "test", context_size: 512 },
        methods: ["base", "majority"],
        agents: 3,
        iterations: 0,
        debate: { max_tokens: 40, concurrency: 8 },
      }),
    );
    process.env.SOCIETY_LLAMA_THREADS = "1";
    const db = join(tmp, "s.db");
    const out = join(tmp, "runs");
    expect(await main(["run", config, "--seeds", "3,4", "--db", db, "--out", out])).toBe(0);
    const results = (dir: string) => JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    const { runs } = results(join(out, readdirFirst(out), "report-seeds-3-4"));
    expect(runs).toHaveLength(2);
    const [s3, s4] = runs.map((id: string) => results(join(out, id, "report")));
    expect(s3.seeds).toEqual([3]);
    expect(s4.seeds).toEqual([4]);
    const summary = results(join(out, runs[0], "report-seeds-3-4"));
    expect(summary.seeds).toEqual([3, 4]);
    for (const m of ["base", "majority"]) {
      const per = [s3.methods[m].accuracy[0], s4.methods[m].accuracy[0]];
      const { mean, std } = meanStd(per);
      expect(summary.methods[m].accuracy[0], m).toBeCloseTo(mean, 12);
      expect(summary.methods[m].stderr[0], m).toBeCloseTo(std, 12);
    }
    expect(existsSync(join(out, runs[0], "report-seeds-3-4", "report.html"))).toBe(true);

    // One store, two seeds: arith-test-0 is a different expression per seed, and each run's debates still
    // join the question that seed asked (the second seed did not overwrite the first's).
    const raw = new Database(db, { readonly: true });
    const task = getTask("arithmetic", { maxValue: 3 });
    for (const [runId, seed] of [
      [runs[0], 3],
      [runs[1], 4],
    ] as const) {
      const asked = await task.questions("test", { limit: 12, seed });
      const stored = raw
        .prepare(
          "select distinct q.qid, q.text, q.gold from debates d join questions q on q.id = d.question_id where d.run_id = ? and d.phase = 'test' order by q.qid",
        )
        .all(runId) as { qid: string; text: string; gold: string }[];
      expect(stored, `seed ${seed}`).toEqual(
        asked.map((q) => ({ qid: q.id, text: q.text, gold: q.gold })).sort((a, b) => a.qid.localeCompare(b.qid)),
      );
    }
    const versions = raw
      .prepare("select count(*) n from questions where task = 'arithmetic' and split = 'test' and qid = 'arith-test-0'")
      .get() as { n: number };
    expect(versions.n).toBe(2);
    raw.close();
  }, 600_000);
});

/** The first seed's run folder (the summary lives in it). */
function readdirFirst(out: string): string {
  return readdirSync(out).filter((f) => f.startsWith("seeds-test-s3-"))[0]!;
}
