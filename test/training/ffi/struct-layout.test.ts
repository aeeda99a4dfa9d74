import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import koffi from "koffi";
import { afterAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../../src/training/ggml/ffi/locate.js";
import { MIRRORED_STRUCTS } from "../../../src/training/ggml/ffi/structs.js";

// The headers of the exact llama.cpp build node-llama-cpp ships are in its git bundle.
const bundle = join(packageRoot("node-llama-cpp"), "llama", "gitRelease.bundle");
const work = mkdtempSync(join(tmpdir(), "society-layout-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function hasGcc(): boolean {
  try {
    execFileSync("gcc", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function extractHeaders(): string {
  const repo = join(work, "repo");
  execFileSync("git", ["clone", "-q", "--no-checkout", bundle, repo], { stdio: "ignore" });
  const list = execFileSync("git", ["-C", repo, "ls-tree", "--name-only", "HEAD", "ggml/include/", "include/"], { encoding: "utf8" })
    .split("\n")
    .filter((p) => p.endsWith(".h"));
  const out = join(work, "hdr");
  for (const p of list) {
    mkdirSync(dirname(join(out, p)), { recursive: true });
    writeFileSync(join(out, p), execFileSync("git", ["-C", repo, "show", `HEAD:${p}`]));
  }
  return out;
}

/** Compiles a program printing sizeof/offsetof of every mirrored struct member, as the C compiler lays them out. */
function cLayouts(hdr: string): Map<string, number> {
  const lines: string[] = [];
  for (const [name, type] of Object.entries(MIRRORED_STRUCTS)) {
    lines.push(`printf("${name} %zu\\n", sizeof(struct ${name}));`);
    for (const member of Object.keys(type.members ?? {})) {
      lines.push(`printf("${name}.${member} %zu\\n", offsetof(struct ${name}, ${member}));`);
    }
  }
  const src = `#include <stdio.h>\n#include <stddef.h>\n#include "ggml.h"\n#include "gguf.h"\n#include "ggml-opt.h"\n#include "llama.h"\nint main(void){\n${lines.join("\n")}\nreturn 0;}\n`;
  const file = join(work, "layout.c");
  writeFileSync(file, src);
  const exe = join(work, "layout");
  execFileSync("gcc", ["-std=c11", "-I", join(hdr, "ggml/include"), "-I", join(hdr, "include"), file, "-o", exe]);
  const map = new Map<string, number>();
  for (const line of execFileSync(exe, { encoding: "utf8" }).trim().split("\n")) {
    const [k, v] = line.split(" ");
    map.set(k, Number(v));
  }
  return map;
}

describe("koffi struct mirrors match the C layout of the bundled headers", () => {
  it.skipIf(!hasGcc())("every size and offset agrees with gcc", () => {
    const c = cLayouts(extractHeaders());
    let checked = 0;
    for (const [name, type] of Object.entries(MIRRORED_STRUCTS)) {
      expect(koffi.sizeof(type), `sizeof(${name})`).toBe(c.get(name));
      for (const member of Object.keys(type.members ?? {})) {
        expect(koffi.offsetof(type, member), `offsetof(${name}, ${member})`).toBe(c.get(`${name}.${member}`));
        checked++;
      }
    }
    expect(c.get("ggml_tensor")).toBe(336);
    expect(checked).toBeGreaterThan(80);
  });
});
