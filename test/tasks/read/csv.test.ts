import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCsv } from "../../../src/tasks/read/csv.js";

const dir = mkdtempSync(join(tmpdir(), "csv-"));
const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));

describe("readCsv", () => {
  it("reads quoted fields with delimiters, doubled quotes and line breaks; rows keep their start line", () => {
    const p = file("a.csv", '\uFEFFq,a\n"x, ""y""",1\r\n"two\r\nlines",2\n\nlast,3');
    const rows = readCsv(p);
    expect(rows.map((r) => [r.line, r.index, r.value])).toEqual([
      [2, 0, { q: 'x, "y"', a: "1" }],
      [3, 1, { q: "two\r\nlines", a: "2" }],
      [6, 2, { q: "last", a: "3" }],
    ]);
    expect(rows[1]!.where).toBe(`${p}:3`);
  });
  it("names columns for a file without a header, and checks field counts", () => {
    expect(readCsv(file("b.csv", "1,2\n3,4\n"), { columns: ["x", "y"] }).map((r) => r.value)).toEqual([
      { x: "1", y: "2" },
      { x: "3", y: "4" },
    ]);
    expect(() => readCsv(file("c.csv", "x,y\n1\n"))).toThrow(/c\.csv:2: 1 field\(s\), expected 2 \(x, y\)/);
    expect(() => readCsv(file("d.csv", "x,x\n1,2\n"))).toThrow(/d\.csv:1: header names column "x" twice/);
    expect(() => readCsv(file("e.csv", 'x\n"a"b\n'))).toThrow(/e\.csv:2: text after a closing quote/);
  });
});
