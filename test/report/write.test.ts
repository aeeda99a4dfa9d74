import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { accuracyRows, terminalTable } from "../../src/report/table.js";
import type { ReportData } from "../../src/report/types.js";
import { writeReport } from "../../src/report/write.js";

const data: ReportData = {
  title: "demo",
  runIds: ["r1"],
  task: "arithmetic",
  seeds: [1],
  methods: {
    "multiagent-ft": {
      accuracy: [0.4, 0.5, 0.6],
      stderr: [0.05, 0.05, 0.05],
      perSeed: [[0.4, 0.5, 0.6]],
      diversity: { consensus: [0.9, 0.8, 0.7] },
    },
    "single-agent-ft": {
      accuracy: [0.4, 0.45, 0.44],
      stderr: [0.05, 0.05, 0.05],
      perSeed: [[0.4, 0.45, 0.44]],
      diversity: { consensus: [0.9, 0.95, 0.97] },
    },
  },
  agents: [
    {
      runId: "r1",
      method: "multiagent-ft",
      agent: "generator 0",
      iteration: 1,
      datasetRows: 40,
      finalLoss: 0.5,
      lossCurve: [
        { step: 1, loss: 1 },
        { step: 2, loss: 0.5 },
      ],
    },
    {
      runId: "r1",
      method: "multiagent-ft",
      agent: "critic 0",
      iteration: 1,
      datasetRows: 30,
      finalLoss: 0.6,
      lossCurve: [
        { step: 1, loss: 1.1 },
        { step: 2, loss: 0.6 },
      ],
    },
  ],
};

describe("report", () => {
  it("writes results.json in the documented shape, markdown, html and PNG charts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "report-"));
    const out = await writeReport(data, dir);
    const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    expect(results.methods["multiagent-ft"].accuracy).toEqual([0.4, 0.5, 0.6]);
    expect(results.methods["single-agent-ft"].diversity.consensus).toEqual([0.9, 0.95, 0.97]);
    expect(readFileSync(join(dir, "report.md"), "utf8")).toContain("| multiagent-ft | 40.0 ± 5.0 | 50.0 ± 5.0 | 60.0 ± 5.0 |");
    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html).not.toMatch(/<script|src="http/); // self-contained
    for (const png of ["accuracy.png", "diversity.png", "dataset-sizes.png", "training-loss.png"]) {
      const buf = readFileSync(join(dir, png));
      expect(buf.subarray(1, 4).toString()).toBe("PNG");
      expect(buf.length).toBeGreaterThan(5000); // has drawn content, not an empty canvas
    }
    expect(out.files.every((f) => existsSync(f))).toBe(true);
  });

  it("shows MALT's search-tree statistics (report.md table and results.json), and nothing of them for methods without trees", async () => {
    const withTrees: ReportData = {
      ...data,
      methods: {
        ...data.methods,
        malt: {
          accuracy: [0.3, 0.35],
          stderr: [0.05, 0.05],
          perSeed: [[0.3, 0.35]],
          diversity: {},
          tree: {
            tree_questions: [NaN, 40],
            tree_leaves: [NaN, 1080],
            tree_correct_leaf_share: [NaN, 0.25],
            tree_sft_verifier: [NaN, 60],
            tree_pairs_verifier: [NaN, 31],
            tree_pairs_refiner: [NaN, 77],
          },
        },
      },
    };
    const dir = mkdtempSync(join(tmpdir(), "report-"));
    await writeReport(withTrees, dir);
    const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    expect(results.methods.malt.tree).toEqual({
      questions: [null, 40],
      leaves: [null, 1080],
      correct_leaf_share: [null, 0.25],
      sft_verifier: [null, 60],
      pairs_verifier: [null, 31],
      pairs_refiner: [null, 77],
    });
    expect(results.methods["multiagent-ft"]).not.toHaveProperty("tree");
    const md = readFileSync(join(dir, "report.md"), "utf8");
    expect(md).toContain("## Search trees (MALT)");
    expect(md).toContain("| method | iter | questions | leaves | correct leaf share | sft verifier | pairs verifier | pairs refiner |");
    expect(md).toContain("| malt | 1 | 40 | 1080 | 25.0% | 60 | 31 | 77 |");
    expect(readFileSync(join(dir, "report.html"), "utf8")).toContain("<h2>Search trees (MALT)</h2>");

    const plain = mkdtempSync(join(tmpdir(), "report-"));
    await writeReport(data, plain);
    expect(readFileSync(join(plain, "report.md"), "utf8")).not.toContain("Search trees");
  });

  it("shows SAIE's learners alone and in debate with their discussions (report.md table and results.json); nothing of it without a +debate series", async () => {
    const series = (accuracy: number[]) => ({ accuracy, stderr: accuracy.map(() => 0.05), perSeed: [accuracy], diversity: {} });
    const withSaie: ReportData = {
      ...data,
      methods: {
        ...data.methods,
        saie: {
          ...series([0.38, 0.42]),
          discussion: {
            saie_supportive: [NaN, 61],
            saie_adversarial: [NaN, 59],
            saie_partner_on_claim: [NaN, 0.3],
            saie_learner_final_on_reference: [NaN, 0.45],
            saie_rows: [NaN, 180],
          },
        },
        "saie+debate": series([0.35, 0.5]),
        "saie-sft": series([0.38, 0.4]),
        "saie-sft+debate": series([0.35, 0.37]),
      },
    };
    const dir = mkdtempSync(join(tmpdir(), "report-"));
    await writeReport(withSaie, dir);
    const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    expect(results.methods.saie.discussion).toEqual({
      supportive: [null, 61],
      adversarial: [null, 59],
      partner_on_claim: [null, 0.3],
      learner_final_on_reference: [null, 0.45],
      rows: [null, 180],
    });
    expect(results.methods["saie-sft"]).not.toHaveProperty("discussion");
    const md = readFileSync(join(dir, "report.md"), "utf8");
    expect(md).toContain("## Learner alone and in debate (SAIE)");
    expect(md).toContain("| saie | 0 | 38.0 | 35.0 | – | – | – | – | – |");
    expect(md).toContain("| saie | 1 | 42.0 | 50.0 | 61 | 59 | 30.0% | 45.0% | 180 |");
    expect(md).toContain("| saie-sft | 1 | 40.0 | 37.0 | – | – | – | – | – |");
    expect(md).not.toMatch(/\| (saie\+debate|multiagent-ft) \| 0 \| /); // only methods with a +debate series, once each
    expect(readFileSync(join(dir, "report.html"), "utf8")).toContain("<h2>Learner alone and in debate (SAIE)</h2>");
    const plain = mkdtempSync(join(tmpdir(), "report-"));
    await writeReport(data, plain);
    expect(readFileSync(join(plain, "report.md"), "utf8")).not.toContain("SAIE");
  });

  it("prints an aligned terminal table", () => {
    const t = terminalTable(accuracyRows(data));
    const lines = t.split("\n");
    expect(lines[0]).toMatch(/^method\s+base \(0\)\s+iter 1\s+iter 2$/);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });

  it("left-aligns text columns and right-aligns numeric ones", () => {
    const t = terminalTable({
      header: ["id", "name", "seed"],
      rows: [
        ["run-a", "tiny", "3"],
        ["run-bb", "arithmetic", "12"],
      ],
    });
    expect(t.split("\n")).toEqual([
      "id      name        seed",
      "──────  ──────────  ────",
      "run-a   tiny           3",
      "run-bb  arithmetic    12",
    ]);
  });

  describe("all or nothing", () => {
    /** A disk that fills up after `n` files: ENOSPC, as writeFileSync throws it. */
    const fullAfter = (n: number) => {
      let left = n;
      return (path: string, body: string | Buffer) => {
        if (left-- <= 0) throw Object.assign(new Error(`ENOSPC: no space left on device, open '${path}'`), { code: "ENOSPC" });
        writeFileSync(path, body);
      };
    };

    it("a write that fails part-way leaves no report folder and no partial files", async () => {
      const root = mkdtempSync(join(tmpdir(), "report-full-"));
      const dir = join(root, "report");
      await expect(writeReport(data, dir, { writeFile: fullAfter(2) })).rejects.toThrow(
        /cannot write the report .*ENOSPC.*nothing was replaced/,
      );
      expect(existsSync(dir)).toBe(false);
      expect(readdirSync(root)).toEqual([]); // the temp folder is gone too
    });

    it("a failed rewrite keeps the previous report whole; a good one replaces it", async () => {
      const root = mkdtempSync(join(tmpdir(), "report-full-"));
      const dir = join(root, "report");
      await writeReport(data, dir);
      const before = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
      const changed: ReportData = { ...data, title: "demo v2" };
      await expect(writeReport(changed, dir, { writeFile: fullAfter(3) })).rejects.toThrow(/ENOSPC/);
      expect(Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]))).toEqual(before);
      expect(readdirSync(root)).toEqual(["report"]);
      await writeReport(changed, dir);
      expect(readFileSync(join(dir, "report.md"), "utf8")).toMatch(/^# demo v2/);
      expect(readdirSync(root)).toEqual(["report"]);
    });

    it("refuses to replace a folder that holds other files", async () => {
      const dir = mkdtempSync(join(tmpdir(), "report-foreign-"));
      writeFileSync(join(dir, "notes.txt"), "mine");
      await expect(writeReport(data, dir)).rejects.toThrow(/holds files that are not a report/);
      expect(readdirSync(dir)).toEqual(["notes.txt"]);
    });

    it("clears the temp folder a killed writer left", async () => {
      const root = mkdtempSync(join(tmpdir(), "report-stale-"));
      mkdirSync(join(root, ".report.tmp-999999999-abc"));
      writeFileSync(join(root, ".report.tmp-999999999-abc", "results.json"), "{");
      await writeReport(data, join(root, "report"));
      expect(readdirSync(root)).toEqual(["report"]);
    });
  });
});
