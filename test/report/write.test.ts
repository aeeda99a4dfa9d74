import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { accuracyRows, terminalTable } from "../../src/report/table.js";
import type { ReportData } from "../../src/report/types.js";
import { writeReport } from "../../src/report/write.js";

/** A multiagent-ft agent of run r1 trained at iteration 1 on `datasetRows` rows, with these losses step by step. */
const trainedAgent = (agent: string, datasetRows: number, losses: number[]): ReportData["agents"][number] => ({
  runId: "r1",
  method: "multiagent-ft",
  agent,
  iteration: 1,
  datasetRows,
  finalLoss: losses.at(-1)!,
  lossCurve: losses.map((loss, i) => ({ step: i + 1, loss })),
});

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
  agents: [trainedAgent("generator 0", 40, [1, 0.5]), trainedAgent("critic 0", 30, [1.1, 0.6])],
};

/** One method's accuracy series (stderr 0.05, one seed). */
const series = (accuracy: number[]) => ({ accuracy, stderr: accuracy.map(() => 0.05), perSeed: [accuracy], diversity: {} });
/**
 * Statistics with none at iteration 0 and `stats` at iteration 1: as the report reads them from the store
 * (`<prefix>_<name>`, NaN for none) and as results.json must write them (unprefixed, null for none).
 */
const iteration1Stats = (prefix: string, stats: Record<string, number>) => ({
  stored: Object.fromEntries(Object.entries(stats).map(([k, v]) => [`${prefix}_${k}`, [NaN, v]])),
  written: Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, [null, v]])),
});

/** Writes `d`'s report into a fresh folder and reads back its results.json, report.md and report.html. */
async function written(d: ReportData) {
  const dir = mkdtempSync(join(tmpdir(), "report-"));
  const out = await writeReport(d, dir);
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  return { dir, out, results: JSON.parse(read("results.json")), md: read("report.md"), html: read("report.html") };
}

/**
 * A report section of per-method statistics: in results.json under `key` for `method` (and not for `other`), in
 * report.md under `## heading` with these table lines, in report.html, and no `mark` of it in a report without it.
 */
async function expectSection(
  d: ReportData,
  s: { method: string; key: string; written: unknown; other: string; heading: string; lines: string[]; mark: string },
) {
  const { results, md, html } = await written(d);
  expect(results.methods[s.method][s.key]).toEqual(s.written);
  expect(results.methods[s.other]).not.toHaveProperty(s.key);
  expect(md).toContain(`## ${s.heading}`);
  for (const line of s.lines) expect(md).toContain(line);
  expect(html).toContain(`<h2>${s.heading}</h2>`);
  expect((await written(data)).md).not.toContain(s.mark);
  return md;
}

describe("report", () => {
  it("writes results.json in the documented shape, markdown, html and PNG charts", async () => {
    const { dir, out, results, md, html } = await written(data);
    expect(results.methods["multiagent-ft"].accuracy).toEqual([0.4, 0.5, 0.6]);
    expect(results.methods["single-agent-ft"].diversity.consensus).toEqual([0.9, 0.95, 0.97]);
    expect(md).toContain("| multiagent-ft | 40.0 ± 5.0 | 50.0 ± 5.0 | 60.0 ± 5.0 |");
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
    const tree = iteration1Stats("tree", {
      questions: 40,
      leaves: 1080,
      correct_leaf_share: 0.25,
      sft_verifier: 60,
      pairs_verifier: 31,
      pairs_refiner: 77,
    });
    const withTrees: ReportData = { ...data, methods: { ...data.methods, malt: { ...series([0.3, 0.35]), tree: tree.stored } } };
    await expectSection(withTrees, {
      method: "malt",
      key: "tree",
      written: tree.written,
      other: "multiagent-ft",
      heading: "Search trees (MALT)",
      lines: [
        "| method | iter | questions | leaves | correct leaf share | sft verifier | pairs verifier | pairs refiner |",
        "| malt | 1 | 40 | 1080 | 25.0% | 60 | 31 | 77 |",
      ],
      mark: "Search trees",
    });
  });

  it("shows SAIE's learners alone and in debate with their discussions (report.md table and results.json); nothing of it without a +debate series", async () => {
    const discussion = iteration1Stats("saie", {
      supportive: 61,
      adversarial: 59,
      partner_on_claim: 0.3,
      learner_final_on_reference: 0.45,
      rows: 180,
    });
    const withSaie: ReportData = {
      ...data,
      methods: {
        ...data.methods,
        saie: { ...series([0.38, 0.42]), discussion: discussion.stored },
        "saie+debate": series([0.35, 0.5]),
        "saie-sft": series([0.38, 0.4]),
        "saie-sft+debate": series([0.35, 0.37]),
      },
    };
    const md = await expectSection(withSaie, {
      method: "saie",
      key: "discussion",
      written: discussion.written,
      other: "saie-sft",
      heading: "Learner alone and in debate (SAIE)",
      lines: [
        "| saie | 0 | 38.0 | 35.0 | – | – | – | – | – |",
        "| saie | 1 | 42.0 | 50.0 | 61 | 59 | 30.0% | 45.0% | 180 |",
        "| saie-sft | 1 | 40.0 | 37.0 | – | – | – | – | – |",
      ],
      mark: "SAIE",
    });
    expect(md).not.toMatch(/\| (saie\+debate|multiagent-ft) \| 0 \| /); // only methods with a +debate series, once each
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
