/**
 * MAGDi end to end through `society run` on real parts: heterogeneous teachers — the tiny `test` model, a
 * second local GGUF (a scripted model) and an OpenAI-compatible loopback server (`society serve`'s app) —
 * debate; their graphs distil the tiny `test` student three ways with the real ggml trainer; each student
 * answers alone through llama.cpp with its plain LoRA adapter; the report carries the efficiency table and
 * the interaction graphs; a second run of the same command resumes to the same store, doing nothing again.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { stringify } from "yaml";
import { main } from "../../src/cli/main.js";
import { readGgufHeader } from "../../src/formats/gguf-header.js";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import { scriptedAnswer, startSevenServer, type SevenServer } from "../support/scripted-servers.js";

let dir: string;
let server: SevenServer;
let scripted: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "society-magdi-"));
  await ensureTinyModel("test"); // the teachers' first agent and the student
  scripted = scriptedAnswer(dir, 5);
  server = await startSevenServer(dir);
  process.env.SOCIETY_LLAMA_THREADS = "1";
  process.env.SOCIETY_TEST_SERVE_KEY = "no-key";
}, 600_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

it("teachers of three kinds debate, three students are distilled and answer alone; the rerun resumes", async () => {
  const config = {
    name: "magdi-e2e",
    seed: 2,
    task: { name: "arithmetic", train: { limit: 6 }, test: { limit: 4 } },
    model: { base: "tiny", tiny_recipe: "test", context_size: 1024 },
    methods: ["debate", "magdi-nt", "magdi-nt-mr", "magdi"],
    agents: 3,
    rounds: 2,
    iterations: 1,
    agent_models: [
      { base: "tiny", tiny_recipe: "test" },
      { base: scripted },
      { base: "seven", backend: "openai", openai: { base_url: `${server.url}/v1`, api_key_env: "SOCIETY_TEST_SERVE_KEY", max_retries: 0 } },
    ],
    debate: { summarize: false, max_tokens: 40, concurrency: 4 },
    magdi: { student: { base: "tiny", tiny_recipe: "test" }, self_consistency: 2, gcn_hidden: 16 },
    training: {
      trainer: "local",
      lora: { rank: 4, alpha: 8 },
      optim: { lr: 0.003, epochs: 1, batch_size: 2 },
      val_fraction: 0,
      context_length: 256,
      threads: 1,
    },
  };
  const path = join(dir, "magdi.yaml");
  writeFileSync(path, stringify(config));
  const db = join(dir, "m.db");
  expect(await main(["run", path, "--db", db, "--out", dir])).toBe(0);
  const runId = readdirSync(dir).find((f) => f.startsWith("magdi-e2e-"))!;

  const sql = new Database(db, { readonly: true });
  const turns = (method: string, phase: string) =>
    sql
      .prepare(
        "select a.agent_index agentIndex, t.completion from turns t join debates d on d.id = t.debate_id join agents a on a.id = t.agent_id where d.method = ? and d.phase = ?",
      )
      .all(method, phase) as { agentIndex: number; completion: string }[];
  const counts = () => ({
    turns: turns("base", "train").length + turns("base", "test").length,
    students: ["magdi-student", "magdi-nt", "magdi-nt-mr", "magdi"].map((m) => turns(m, "test").length),
    jobs: (sql.prepare("select status, config from training_jobs order by created_at").all() as { status: string; config: string }[]).map(
      (j) => [j.status, JSON.parse(j.config).objective as { beta: number; gamma: number }] as const,
    ),
  });
  const first = counts();
  try {
    // The teachers' debate: 10 questions × 3 agents × 2 rounds, each agent's reply from its own model.
    expect(first.turns).toBe(10 * 3 * 2);
    const test = turns("base", "test");
    for (const t of test.filter((x) => x.agentIndex === 1)) expect(t.completion).toBe("\\boxed{5}");
    for (const t of test.filter((x) => x.agentIndex === 2)) expect(t.completion).toBe("\\boxed{7}");
    expect(test.filter((x) => x.agentIndex === 0).some((t) => /\d[+*-]\d/.test(t.completion))).toBe(true); // the tiny model works the problem

    // One job per method, from the student's own base, with the ablation's weights; a plain adapter out.
    expect(first.jobs.map(([s]) => s)).toEqual(["succeeded", "succeeded", "succeeded"]);
    expect(first.jobs.map(([, o]) => [o.beta, o.gamma]).sort()).toEqual([
      [0, 0],
      [0, 0.1],
      [1, 0.1],
    ]);
    for (const m of ["magdi-nt", "magdi-nt-mr", "magdi"]) {
      const adapter = join(dir, runId, "models", m, "student-it1.gguf");
      const h = readGgufHeader(adapter, m);
      expect(h.metadata.get("general.type")?.value).toBe("adapter");
      expect(
        h.tensors.every((t) => /\.lora_[ab]$/.test(t.name)),
        h.tensors.map((t) => t.name).join(" "),
      ).toBe(true);
    }
    // The untrained student once for all (k = 2 samples per question), then each distilled student.
    expect(first.students).toEqual([4 * 2, 4 * 2, 4 * 2, 4 * 2]);

    const results = JSON.parse(readFileSync(join(dir, runId, "report/results.json"), "utf8"));
    for (const m of ["magdi-nt", "magdi-nt-mr", "magdi"]) expect(results.methods[m].accuracy, m).toHaveLength(2);
    const eff = results.efficiency as { who: string; tokens_per_question: number; accuracy: number | null }[];
    expect(eff.map((r) => r.who)).toEqual([
      "teachers, one agent (round 1)",
      "teachers, majority of 3 (round 1)",
      "teachers' debate (3 agents × 2 rounds)",
      "student, untrained, 1 sample",
      "student, untrained, vote of 2",
      ...["magdi-nt", "magdi-nt-mr", "magdi"].flatMap((m) => [`${m} student, 1 sample`, `${m} student, vote of 2`]),
    ]);
    for (const r of eff) expect(r.tokens_per_question, r.who).toBeGreaterThan(0);
    expect(eff[2]!.accuracy).toBe(results.methods.debate.accuracy[0]);
    // One agent's round-1 tokens are a third of the three agents'; the debate adds round 2.
    expect(eff[1]!.tokens_per_question).toBeCloseTo(3 * eff[0]!.tokens_per_question, 10);
    expect(eff[2]!.tokens_per_question).toBeGreaterThan(eff[1]!.tokens_per_question);
    const md = readFileSync(join(dir, runId, "report/report.md"), "utf8");
    expect(md).toMatch(/## Efficiency: teachers' debate vs the distilled student/);
    expect(md).toMatch(/interaction graph/i);

    // The same command again: resumed, nothing generated or trained twice.
    expect(await main(["run", path, "--db", db, "--out", dir])).toBe(0);
    expect(counts()).toEqual(first);
  } finally {
    sql.close();
  }
}, 1_500_000);
