import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTemplate, render, renderPrompt } from "../../src/prompts/templates.js";

describe("prompt templates", () => {
  it("prefers the task's own file and falls back to default", () => {
    expect(loadTemplate("arithmetic", "generator").file).toMatch(/prompts\/arithmetic\/generator\.md$/);
    expect(loadTemplate("gsm8k", "critic").file).toMatch(/prompts\/default\/critic\.md$/);
  });

  it("substitutes variables and keeps single-brace LaTeX", () => {
    const out = renderPrompt("arithmetic", "generator", { question: "1+2*3+4-5*6" });
    expect(out).toBe("What is 1+2*3+4-5*6? Answer in \\boxed{}.");
  });

  it("names the file when a variable is missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "prompts-"));
    mkdirSync(join(dir, "default"));
    writeFileSync(join(dir, "default", "generator.md"), "Q: {{question}} {{extra}}\n");
    expect(() => render(loadTemplate("x", "generator", dir), { question: "q" })).toThrow(/generator\.md: template variable \{\{extra\}\}/);
  });

  it("reports a missing role clearly", () => {
    expect(() => loadTemplate("arithmetic", "no-such-role")).toThrow(/no prompt template for task "arithmetic", role "no-such-role"/);
  });
});
