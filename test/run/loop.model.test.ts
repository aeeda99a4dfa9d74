/**
 * The main job end to end on real parts: the `test` tiny model through llama.cpp, our ggml trainer,
 * a real SQLite file, the real CLI in a child process. Then the same run killed (SIGKILL) at each
 * iteration boundary and resumed must end exactly where the uninterrupted run ended, with no row lost
 * or doubled.
 */
import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import { societyCli } from "../support/society-cli.js";

const root = resolve(import.meta.dirname, "../..");
const config = join(root, "test/fixtures/loop-tiny.yaml");
const tmp = mkdtempSync(join(tmpdir(), "loop-"));

const society = (args: string[], opts: { killWhen?: (db: Database.Database) => boolean } = {}) =>
  societyCli(args, { ...opts, env: { SOCIETY_LLAMA_THREADS: "1" } });

const args = (name: string) => ["run", config, "--db", join(tmp, `${name}.db`), "--out", join(tmp, name)];

/** What a finished run is, as rows: everything a resume could lose, double or change. */
function snapshot(dbPath: string) {
  const db = new Database(dbPath, { readonly: true });
  const q = (sql: string) => db.prepare(sql).all();
  const s = {
    debates: q(
      "select d.method, d.iteration, d.phase, qu.qid, d.final_answer from debates d join questions qu on qu.id = d.question_id order by 1,2,3,4",
    ),
    turns: q(
      "select d.method, d.iteration, d.phase, qu.qid, a.role, a.agent_index, t.round, t.completion, t.parsed_answer from turns t join debates d on d.id = t.debate_id join questions qu on qu.id = d.question_id join agents a on a.id = t.agent_id order by 1,2,3,4,5,6,7",
    ),
    datasets: q(
      "select d.method, a.role, a.agent_index, d.iteration, d.kind, d.row_count, d.sha256 from datasets d join agents a on a.id = d.agent_id order by 1,2,3,4,5",
    ),
    versions: q(
      "select a.method, a.role, a.agent_index, v.iteration, v.kind, v.sha256 from model_versions v join agents a on a.id = v.agent_id order by 1,2,3,4",
    ),
    // Results only: what generating took (gen_*, seconds per question) is a measurement of each attempt.
    metrics: q(
      "select method, iteration, name, scope, value from metrics where name not like 'gen\\_%' escape '\\' and name not like '%seconds\\_per\\_question' escape '\\' order by 1,2,3,4",
    ),
    succeededJobs: q("select count(*) n from training_jobs where status = 'succeeded'"),
  };
  db.close();
  return s;
}

describe("society run (multiagent FT, tiny model)", () => {
  let reference: ReturnType<typeof snapshot>;

  beforeAll(async () => {
    await ensureTinyModel("test");
    const r = await society(args("ref"));
    expect(r.code, r.out).toBe(0);
    // llama.cpp's own warnings (e.g. one per embedding) stay out of the user's terminal.
    expect(r.out).not.toMatch(/^(init|llama_\w+|ggml_\w+|load): /m);
    reference = snapshot(join(tmp, "ref.db"));
  }, 900_000);

  it("debates, filters, trains every agent and evaluates, with a report", () => {
    const out = reference;
    expect(out.versions.filter((v: any) => v.iteration === 1)).toHaveLength(4); // 2 generators + 2 critics
    expect(out.metrics.filter((m: any) => m.name === "accuracy" && m.method === "multiagent-ft").map((m: any) => m.iteration)).toEqual([
      0, 1,
    ]);
    for (const name of ["consensus", "cross_agent_nll", "kl_estimate"])
      expect(
        out.metrics.some((m: any) => m.name === name && m.iteration === 1),
        name,
      ).toBe(true);
    const dissim = out.metrics.filter((m: any) => m.name === "embedding_dissimilarity" && m.method === "multiagent-ft");
    expect(dissim.map((m: any) => m.iteration)).toEqual([0, 1]);
    for (const m of dissim as any[]) {
      expect(m.value).toBeGreaterThan(0);
      expect(m.value).toBeLessThanOrEqual(2);
    }
    const runDir = join(tmp, "ref");
    const runId = readdirSync(runDir).find((f) => f.startsWith("loop-test-"))!;
    const results = JSON.parse(readFileSync(join(runDir, runId, "report/results.json"), "utf8"));
    expect(results.methods["multiagent-ft"].accuracy).toHaveLength(2);
    expect(results.methods["multiagent-ft"].diversity.embedding_dissimilarity).toHaveLength(2);
  });

  it("gives each agent only its own turns, and never a test question", () => {
    const db = new Database(join(tmp, "ref.db"), { readonly: true });
    const rows = db
      .prepare(
        "select r.source_turn_ids ids, a.agent_index idx, a.role role, d.kind kind from dataset_rows r join datasets d on d.id = r.dataset_id join agents a on a.id = d.agent_id",
      )
      .all() as any[];
    expect(rows.length).toBeGreaterThan(0);
    const turn = db.prepare(
      "select t.round, ta.agent_index idx, qu.split split from turns t join agents ta on ta.id = t.agent_id join debates d on d.id = t.debate_id join questions qu on qu.id = d.question_id where t.id = ?",
    );
    for (const r of rows) {
      const ids: string[] = JSON.parse(r.ids);
      for (const id of ids) {
        const t = turn.get(id) as any;
        expect(t.idx).toBe(r.idx);
        expect(t.split).toBe("train");
      }
    }
    db.close();
  });

  it("model files on disk are the ones registered", () => {
    const db = new Database(join(tmp, "ref.db"), { readonly: true });
    for (const v of db.prepare("select path, sha256 from model_versions where kind = 'lora'").all() as any[]) {
      expect(createHash("sha256").update(readFileSync(v.path)).digest("hex")).toBe(v.sha256);
    }
    db.close();
  });

  const points: Array<[string, (db: Database.Database) => boolean]> = [
    ["after the train debate", (db) => !!db.prepare("select 1 from units where key = 'multiagent-ft/it1/train-debate'").get()],
    ["during training", (db) => !!db.prepare("select 1 from training_jobs where status = 'running'").get()],
    ["after training", (db) => (db.prepare("select count(*) n from model_versions where iteration = 1").get() as any).n === 4],
  ];
  for (const [when, killWhen] of points) {
    it(`killed ${when}, resumes to the same result with nothing lost or doubled`, async () => {
      const name = `kill-${when.replace(/\W+/g, "-")}`;
      const killed = await society(args(name), { killWhen });
      expect(killed.signal, killed.out).toBe("SIGKILL");
      const resumed = await society(args(name));
      expect(resumed.code, resumed.out).toBe(0);
      expect(resumed.out).toMatch(/resuming run/);
      const s = snapshot(join(tmp, `${name}.db`));
      expect(s.debates).toEqual(reference.debates);
      expect(s.turns).toEqual(reference.turns);
      expect(s.datasets).toEqual(reference.datasets);
      expect(s.versions).toEqual(reference.versions);
      expect(s.metrics).toEqual(reference.metrics);
      // Nothing is left "running": the run finished, and a killed training attempt was marked abandoned.
      const db = new Database(join(tmp, `${name}.db`), { readonly: true });
      const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      expect(n("select count(*) n from runs where status != 'done'")).toBe(0);
      expect(n("select count(*) n from training_jobs where status in ('running', 'queued')")).toBe(0);
      if (when === "during training")
        expect(n("select count(*) n from training_jobs where status = 'abandoned'")).toBeGreaterThanOrEqual(1);
      db.close();
    }, 900_000);
  }
});
