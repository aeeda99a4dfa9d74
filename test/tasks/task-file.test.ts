/** Task files: a user's own task from CSV/JSON/JSONL/Parquet, and every malformed-file error naming file, line/row and field. */
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { selfGrade } from "../../src/tasks/check.js";
import { getTask } from "../../src/tasks/registry.js";

const dir = mkdtempSync(join(tmpdir(), "task-files-"));
let n = 0;
/** Writes a task file (and its data files) into a fresh folder; returns the task file's path. */
function taskDir(yaml: string, files: Record<string, string | Uint8Array> = {}): string {
  const d = join(dir, `t${n++}`);
  mkdirSync(d, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(d, name, ".."), { recursive: true });
    writeFileSync(join(d, name), content);
  }
  writeFileSync(join(d, "task.yaml"), yaml);
  return join(d, "task.yaml");
}
const error = async (p: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error("expected a UserError");
};

const capitalsCsv = "country,capital,id\nFrance,Paris,fr\nPeru,Lima,pe\n";
const capitals = `name: capitals
description: capital cities
train: train.csv
test: test.csv
id: id
question: "What is the capital of {{country}}?"
gold: capital
extractor: { name: regex, pattern: "answer: (\\\\w+)" }
grader: { name: exact, ignore_case: true }
`;

describe("a user's task file", () => {
  it("reads CSV rows through its templates, extractor and grader", async () => {
    const path = taskDir(capitals, { "train.csv": "country,capital,id\nChile,Santiago,cl\n", "test.csv": capitalsCsv });
    const t = getTask(path);
    expect(t.name).toBe("capitals");
    const qs = await t.questions("test");
    expect(qs.map((q) => [q.id, q.text, q.gold])).toEqual([
      ["fr", "What is the capital of France?", "Paris"],
      ["pe", "What is the capital of Peru?", "Lima"],
    ]);
    expect(qs[0]!.meta).toMatchObject({ line: 2 });
    expect(t.extract("I think... answer: paris")).toEqual({ answer: "paris", status: "regex" });
    expect(t.grade("paris", "Paris")).toBe(true);
    expect(t.grade("Lyon", "Paris")).toBe(false);
    expect(t.grade(null, "Paris")).toBe(false);
    const files = await t.dataFiles!("test");
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ rows: 2, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it("reads JSON arrays, JSONL, header-less CSV with named columns, TSV and Parquet alike", async () => {
    const yaml = (src: string) => `name: sums\ntest: ${src}\nquestion: "{{q}}"\ngold: a\nextractor: boxed\ngrader: numeric\n`;
    const rows = [
      { q: "1+1", a: 2 },
      { q: "2+3", a: 5 },
    ];
    const pq = parquetWriteBuffer({
      columnData: [
        { name: "q", data: rows.map((r) => r.q), type: "STRING" },
        { name: "a", data: rows.map((r) => BigInt(r.a)), type: "INT64" },
      ],
    });
    const variants: Array<[string, Record<string, string | Uint8Array>]> = [
      ["d.json", { "d.json": JSON.stringify(rows) }],
      ["d.jsonl", { "d.jsonl": rows.map((r) => JSON.stringify(r)).join("\n") + "\n" }],
      ["{ path: d.csv, columns: [q, a] }", { "d.csv": '"1+1",2\r\n2+3,5\r\n' }],
      ["d.tsv", { "d.tsv": "q\ta\n1+1\t2\n2+3\t5\n" }],
      ["d.parquet", { "d.parquet": new Uint8Array(pq) }],
    ];
    for (const [src, files] of variants) {
      const qs = await getTask(taskDir(yaml(src), files)).questions("test");
      expect(
        qs.map((q) => [q.id, q.text, q.gold]),
        src,
      ).toEqual([
        ["sums-test-0", "1+1", "2"],
        ["sums-test-1", "2+3", "5"],
      ]);
    }
  });

  it("multiple choice from a list column, with labels, an index gold and {{choices}}", async () => {
    const rows = [
      { id: "q1", stem: "Sky?", opts: { label: ["A", "B", "C"], text: ["blue", "green", "red"] }, key: "A" },
      { id: "q2", stem: "Grass?", opts: { label: ["A", "B", "C"], text: ["blue", "green", "red"] }, key: 1 },
    ];
    const path = taskDir(
      `name: mc\ntest: d.jsonl\nid: id\nquestion: "{{stem}}\\n{{choices}}"\nchoices: opts.text\nlabels: opts.label\ngold: key\nextractor: choice_letter\ngrader: multiple_choice\n`,
      { "d.jsonl": rows.map((r) => JSON.stringify(r)).join("\n") },
    );
    const t = getTask(path);
    const qs = await t.questions("test");
    expect(qs.map((q) => [q.text, q.gold])).toEqual([
      ["Sky?\nA) blue\nB) green\nC) red", "A"],
      ["Grass?\nA) blue\nB) green\nC) red", "B"],
    ]);
    expect(selfGrade(t, qs).correct).toBe(2);
    expect(t.extract("Not (A), it is green, so the answer is (B).")).toEqual({ answer: "B", status: "choice" });
    expect(t.extract("\\boxed{C}")).toEqual({ answer: "C", status: "boxed" });
    expect(t.extract("A farmer knows.")).toEqual({ answer: null, status: "unparsed" });
  });

  it("pattern sources record {name} parts as columns; filter and subset pick rows", async () => {
    const path = taskDir(
      `name: pat\ntest: data/{topic}_test.csv\nquestion: q\ngold: a\nextractor: boxed\ngrader: numeric\nsubset: topic\nfilter: { level: [1, 2] }\n`,
      { "data/alg_test.csv": "q,a,level\nx,1,1\ny,2,3\n", "data/geo_test.csv": "q,a,level\nz,3,2\n" },
    );
    const all = await getTask(path).questions("test");
    expect(all.map((q) => [q.id, q.text, q.meta?.subset])).toEqual([
      ["pat-test-alg-0", "x", "alg"],
      ["pat-test-geo-0", "z", "geo"],
    ]);
    expect((await getTask(path, { subset: "geo" }).questions("test")).map((q) => q.text)).toEqual(["z"]);
    expect(await error(getTask(path, { subset: ["geo", "topo"] }).questions("test"))).toMatch(
      /unknown subset\(s\) topo \(known: alg, geo\)/,
    );
    expect(await error(() => getTask(path, { subsets: "geo" }))).toMatch(/task pat: unknown option "subsets" \(known: subset\)/);
  });

  it("a source's own filter applies to that split only", async () => {
    const path = taskDir(
      `name: lv\ntrain: { path: tr.csv, filter: { level: [Level 1, Level 2] } }\ntest: te.csv\nquestion: q\ngold: a\nextractor: boxed\ngrader: numeric\n`,
      { "tr.csv": "q,a,level\nx,1,Level 1\ny,2,Level 4\nz,3,Level 2\n", "te.csv": "q,a,level\nw,4,5\n" },
    );
    expect((await getTask(path).questions("train")).map((q) => q.text)).toEqual(["x", "z"]);
    expect((await getTask(path).questions("test")).map((q) => q.text)).toEqual(["w"]);
  });

  it("keeps GSM8K-style ids, golds after ####, and boxed golds from solutions", async () => {
    const path = taskDir(
      `name: mix\ntest: d.jsonl\nquestion: q\ngold: [answer, { from: solution, extract: boxed }]\nsolution: solution\nextractor: boxed\ngrader: latex\n`,
      { "d.jsonl": '{"q":"a","answer":"\\\\frac{1}{2}"}\n{"q":"b","solution":"so \\\\boxed{3}"}\n' },
    );
    const qs = await getTask(path).questions("test");
    expect(qs.map((q) => q.gold)).toEqual(["\\frac{1}{2}", "3"]);
  });
});

describe("malformed task files are errors naming file, line or row, and field", () => {
  it("unknown fields, bad names and missing fields in the task file itself", async () => {
    expect(await error(() => getTask(taskDir(capitals.replace("grader:", "gradr: x\ngrader:"))))).toMatch(
      /task\.yaml:9:1: unknown field "gradr"/,
    );
    expect(await error(() => getTask(taskDir(capitals.replace("extractor: { name: regex", "extractor: { name: regexp"))))).toMatch(
      /task\.yaml:8:\d+: extractor\.name: Invalid enum value\. Expected 'boxed' \| 'hash' \| 'last_number' \| 'choice_letter' \| 'regex'/,
    );
    expect(await error(() => getTask(taskDir(capitals.replace('question: "What is the capital of {{country}}?"\n', ""))))).toMatch(
      /task\.yaml:1:1: question: required field is missing/,
    );
    expect(await error(() => getTask(taskDir(capitals.replace("train: train.csv", "train: { path: train.csv, sheet: 1 }"))))).toMatch(
      /task\.yaml:3:\d+: unknown field "sheet" in train/,
    );
    expect(await error(() => getTask(taskDir(capitals.replace("train: train.csv", "train: { path: a.csv, hub: x/y }"))))).toMatch(
      /task\.yaml:3:\d+: train: give exactly one of path or hub/,
    );
    expect(await error(() => getTask(taskDir(capitals.replace("name: capitals", "name: gsm8k"))))).toMatch(
      /name "gsm8k" is a shipped task's; give your task another name/,
    );
    expect(await error(() => getTask(join(dir, "nope.yaml")))).toMatch(/cannot read task file .*nope\.yaml: ENOENT/);
  });

  it("a missing column names the row's file:line and the field asking for it", async () => {
    const path = taskDir(capitals, {
      "train.csv": "country,capital,id\nChile,Santiago,cl\n",
      "test.csv": "country,city,id\nFrance,Paris,fr\n",
    });
    expect(await error(getTask(path).questions("test"))).toMatch(/test\.csv:2: gold: no "capital"/);
    const tpl = taskDir(capitals.replace("{{country}}", "{{nation}}"), { "test.csv": capitalsCsv });
    expect(await error(getTask(tpl).questions("test"))).toMatch(
      /test\.csv:2: question template: no column "nation" \(columns: country, capital, id\)/,
    );
  });

  it("an unparseable gold answer names the row and says why", async () => {
    const yaml = `name: g\ntest: d.jsonl\nquestion: q\ngold: { from: answer, extract: hash }\nextractor: hash\ngrader: numeric\n`;
    const noHash = taskDir(yaml, { "d.jsonl": '{"q":"a","answer":"#### 4"}\n\n{"q":"b","answer":"four"}\n' });
    expect(await error(getTask(noHash).questions("test"))).toMatch(/d\.jsonl:3: gold: no hash answer in "answer"/);
    const notNumber = taskDir(yaml, { "d.jsonl": '{"q":"a","answer":"#### four"}\n' });
    expect(await error(getTask(notNumber).questions("test"))).toMatch(/d\.jsonl:1: gold: "four" is not a number \(grader numeric\)/);
    const mc = taskDir(`name: m\ntest: d.csv\nquestion: q\nchoices: [a, b]\ngold: k\nextractor: choice_letter\ngrader: multiple_choice\n`, {
      "d.csv": "q,a,b,k\nx,1,2,C\n",
    });
    expect(await error(getTask(mc).questions("test"))).toMatch(/d\.csv:2: gold: "C" is not one of the options A, B/);
  });

  it("bad data files: JSON, CSV field counts and quotes, Parquet, repeated ids, unmatched patterns", async () => {
    const yaml = (src: string, extra = "") => `name: b\ntest: ${src}\nquestion: q\ngold: a\nextractor: boxed\ngrader: numeric\n${extra}`;
    expect(await error(getTask(taskDir(yaml("d.jsonl"), { "d.jsonl": '{"q":"x","a":1}\n{oops}\n' })).questions("test"))).toMatch(
      /d\.jsonl:2: not valid JSON/,
    );
    expect(await error(getTask(taskDir(yaml("d.json"), { "d.json": '[{"q":"x","a":1}, 3]' })).questions("test"))).toMatch(
      /d\.json: row 2: expected a JSON object/,
    );
    expect(await error(getTask(taskDir(yaml("d.csv"), { "d.csv": 'q,a\n"multi\nline",1\nx,1,9\n' })).questions("test"))).toMatch(
      /d\.csv:4: 3 field\(s\), expected 2 \(q, a\)/,
    );
    expect(await error(getTask(taskDir(yaml("d.csv"), { "d.csv": 'q,a\n"open,1\n' })).questions("test"))).toMatch(
      /d\.csv:2: unterminated quoted field/,
    );
    expect(await error(getTask(taskDir(yaml("d.parquet"), { "d.parquet": "not parquet at all" })).questions("test"))).toMatch(
      /d\.parquet: not a readable Parquet file/,
    );
    const pq = parquetWriteBuffer({
      columnData: [
        { name: "q", data: ["x", "y"], type: "STRING" },
        { name: "a", data: ["1", "two"], type: "STRING" },
      ],
    });
    expect(await error(getTask(taskDir(yaml("d.parquet"), { "d.parquet": new Uint8Array(pq) })).questions("test"))).toMatch(
      /d\.parquet: row 2: gold: "two" is not a number/,
    );
    expect(await error(getTask(taskDir(yaml("d.csv", "id: i\n"), { "d.csv": "q,a,i\nx,1,k\ny,2,k\n" })).questions("test"))).toMatch(
      /d\.csv:3: id "k" repeats the one at .*d\.csv:2/,
    );
    expect(await error(getTask(taskDir(yaml("none/*.csv"))).questions("test"))).toMatch(/none\/\*\.csv: no file matches this pattern/);
    expect(await error(getTask(taskDir(yaml("d.xlsx"), { "d.xlsx": "" })).questions("test"))).toMatch(
      /d\.xlsx: cannot tell the format from the extension/,
    );
    expect(await error(getTask(taskDir(yaml("d.csv"))).questions("train"))).toMatch(/task b: no train split/);
  });
});
