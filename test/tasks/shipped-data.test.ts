/** The data shipped in data/: every file as SHA256SUMS lists it, each with its licence, and nothing else read from outside the repository. */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readTaskFile } from "../../src/tasks/task-file.js";
import { TASKS_DIR } from "../../src/tasks/registry.js";

const root = resolve(import.meta.dirname, "../..");
const data = join(root, "data");

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => (statSync(join(dir, e)).isDirectory() ? walk(join(dir, e)) : [join(dir, e)]));
}

describe("shipped data", () => {
  it("matches SHA256SUMS file for file, with no file unlisted", () => {
    const listed = new Map(
      readFileSync(join(data, "SHA256SUMS"), "utf8")
        .trim()
        .split("\n")
        .map((l) => {
          const [sha, path] = l.split(/\s+/);
          return [path!, sha!];
        }),
    );
    const files = walk(data)
      .map((f) => relative(data, f))
      .filter((f) => !["README.md", "SHA256SUMS"].includes(f) && !f.endsWith("LICENSE"));
    expect(files.sort()).toEqual([...listed.keys()].sort());
    expect(files.filter((f) => f.startsWith("mmlu/"))).toHaveLength(171);
    for (const f of files)
      expect(
        createHash("sha256")
          .update(readFileSync(join(data, f)))
          .digest("hex"),
        f,
      ).toBe(listed.get(f));
  });

  it("has a licence beside every data set, and the README gives each single file's sha256", () => {
    for (const d of ["gsm8k", "math500", "mmlu"]) expect(readFileSync(join(data, d, "LICENSE"), "utf8"), d).toMatch(/^MIT License/);
    const readme = readFileSync(join(data, "README.md"), "utf8");
    const sums = readFileSync(join(data, "SHA256SUMS"), "utf8");
    for (const f of ["gsm8k/train.jsonl", "gsm8k/test.jsonl", "math500/test.jsonl"]) {
      const sha = new RegExp(`^([0-9a-f]{64})  ${f}$`, "m").exec(sums)![1]!;
      expect(readme).toContain(`| \`${f}\` | \`${sha}\` |`);
    }
  });

  it("is what the shipped task files read: paths inside the repository, none beside it", () => {
    for (const f of readdirSync(TASKS_DIR).filter((x) => x.endsWith(".yaml"))) {
      const t = readTaskFile(join(TASKS_DIR, f));
      for (const s of [t.train, t.test]) {
        if (!s) continue;
        expect(s.hub, f).toBeUndefined();
        const abs = resolve(TASKS_DIR, s.path!);
        expect(relative(data, abs).startsWith(".."), `${f}: ${s.path}`).toBe(false);
        expect(existsSync(abs.replace(/\/[^/]*\{.*$/, "")), `${f}: ${s.path}`).toBe(true);
      }
    }
  });
});
