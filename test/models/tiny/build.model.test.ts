import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { getLlama, LlamaChatSession, resolveChatWrapper } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { ensureTinyModel } from "../../../src/models/tiny/cache.js";
import { RECIPES } from "../../../src/models/tiny/recipe.js";
import { renderPrompt } from "../../../src/prompts/templates.js";
import { extractAnswer } from "../../../src/tasks/extract.js";
import { generateArithmetic } from "../../../src/tasks/arithmetic.js";

/**
 * Builds the `test` recipe through the real ggml trainer once (cached in runs/models for later runs and
 * other test files), then checks it in llama.cpp.
 */
describe("tiny model, test recipe", () => {
  it("builds, records held-out accuracy, and answers in the trained format", async () => {
    const info = await ensureTinyModel("test");
    expect(existsSync(info.path)).toBe(true);
    expect(info.evalQuestions).toBe(RECIPES.test.eval.questions);
    console.log(
      `[tiny test recipe] held-out accuracy ${(info.accuracy * 100).toFixed(1)}%, \\boxed rate ${(info.boxedRate * 100).toFixed(0)}%, ` +
        `params ${info.params}, train ${info.trainSeconds.toFixed(0)} s, build ${info.buildSeconds.toFixed(0)} s`,
    );
    // Format baseline: a model that has not learnt the format never writes a complete \boxed{…}.
    expect(info.boxedRate).toBeGreaterThan(0.5);
    // Answer baseline: always answering the most common gold answer of these same questions.
    const golds = generateArithmetic("test", 0, info.evalQuestions, RECIPES.test.maxValue).map((q) => q.gold);
    const counts = new Map<string, number>();
    for (const g of golds) counts.set(g, (counts.get(g) ?? 0) + 1);
    const majority = Math.max(...counts.values()) / golds.length;
    expect(info.accuracy).toBeGreaterThan(majority);
  }, 600_000);

  it('works through node-llama-cpp\'s own chat session (ChatML, systemPrompt "")', async () => {
    const info = await ensureTinyModel("test");
    const llama = await getLlama({ gpu: false, logLevel: "error" as never });
    const model = await llama.loadModel({ modelPath: info.path });
    expect(resolveChatWrapper(model).wrapperName).toBe("ChatML");
    const ctx = await model.createContext({ contextSize: 512, threads: 1 });
    const q = generateArithmetic("test", 0, 1, RECIPES.test.maxValue)[0]!;
    const session = new LlamaChatSession({ contextSequence: ctx.getSequence(), systemPrompt: "" });
    const reply = await session.prompt(renderPrompt("arithmetic", "generator", { question: q.text }), { maxTokens: 120, temperature: 0 });
    expect(extractAnswer(reply).status).toBe("boxed");
    await ctx.dispose();
    await model.dispose();
  }, 600_000);

  it("`society model tiny --recipe test` reuses the cache and ends with the accuracy line", async () => {
    const info = await ensureTinyModel("test");
    const t0 = performance.now();
    const { stdout } = await promisify(execFile)("node", ["bin/society.js", "model", "tiny", "--recipe", "test"], { cwd: process.cwd() });
    expect(performance.now() - t0).toBeLessThan(20_000);
    const lines = stdout.trim().split("\n");
    expect(lines).toEqual(info.lines);
    expect(lines[lines.length - 1]).toMatch(/^held-out accuracy: \d+(\.\d)?%$/);
  }, 120_000);
});
