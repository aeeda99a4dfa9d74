import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTinyModel } from "../../../src/models/tiny/cache.js";
import { tokenize, VOCAB } from "../../../src/models/tiny/tokenizer.js";
import { createBackends, loadGgml } from "../../../src/training/ggml/ffi/index.js";
import { trainGgml } from "../../../src/training/ggml/index.js";
import { DEFAULT_LORA_TARGETS } from "../../../src/training/defaults.js";
import { loadWeights } from "../../../src/training/ggml/model/weights.js";
import { checkOutputReach, targetCounts } from "../../../src/training/ggml/reach.js";
import type { TokenSequence } from "../../../src/training/types.js";

const dir = mkdtempSync(join(tmpdir(), "society-reach-"));
let base = "";
beforeAll(async () => {
  base = (await ensureTinyModel("test")).path;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 32 arithmetic prompts whose reply is one token (trained), then <|im_end|> (not trained). */
function replyData(token: number): TokenSequence[] {
  return Array.from({ length: 32 }, (_, i) => {
    const prompt = [
      VOCAB.bos,
      VOCAB.imStart,
      ...tokenize(`user\n${i % 4}+${(i >> 2) % 4}`),
      VOCAB.imEnd,
      ...tokenize("\n"),
      VOCAB.imStart,
      ...tokenize("assistant\n"),
    ];
    return { tokens: [...prompt, token, VOCAB.imEnd], lossMask: [...prompt.map(() => 0), 1, 0] };
  });
}

const id = (piece: string) => VOCAB.ids.get(piece)!;

describe("output-layer reach (the trained tiny model)", () => {
  it("finds the corpus's tokens reachable and tokens it never produced out of reach", () => {
    const g = loadGgml();
    const be = createBackends(g, false);
    const w = loadWeights(g, be.cpu, base, { trainAll: false });
    try {
      const pieces = ["7", "=", "\\", "{", "<|im_end|>", "#", "Q", "<s>", "<|im_start|>"];
      const r = checkOutputReach(g, w, targetCounts([{ tokens: [VOCAB.bos, ...pieces.map(id)], lossMask: [0, ...pieces.map(() => 1)] }]));
      expect(r.checked).toBe(pieces.length);
      const flagged = Object.fromEntries(r.unreachable.map((u) => [u.piece, u]));
      // Digits, operators and the end-of-turn token are what the model was trained to write.
      for (const p of ["7", "=", "\\", "{", "<|im_end|>"]) expect(flagged[p], p).toBeUndefined();
      // Characters outside the arithmetic corpus, and control tokens it never wrote, cannot win the softmax.
      for (const p of ["#", "Q", "<s>", "<|im_start|>"]) expect(flagged[p]?.best, p).toBeLessThan(0.1);
      expect(flagged["<s>"]!.type).toBe("control");
    } finally {
      w.free();
      be.free();
    }
  });

  it("predicts the plateau of default-target LoRA, warns with the fix, and adding output learns the token", async () => {
    const data = replyData(id("#"));
    const warnings: string[] = [];
    const opts = {
      baseModelPath: base,
      sequences: data,
      mode: "lora" as const,
      seed: 1,
      threads: 1,
      optim: { lr: 3e-3, epochs: 30, batchSize: 8, schedule: "constant" as const },
    };
    const frozen = await trainGgml({
      ...opts,
      outPath: join(dir, "frozen.gguf"),
      onLog: (m) => m.startsWith("warning") && warnings.push(m),
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`"#" (id ${id("#")}, normal, 32 trained positions)`);
    expect(warnings[0]).toContain(`--targets ${DEFAULT_LORA_TARGETS.join(",")},output`);
    const floor = Number(/loss ≥ (\d+\.\d+)/.exec(warnings[0]!)![1]);
    const last = frozen.lossCurve.at(-1)!.loss;
    console.log(`[reach] predicted floor ${floor}, default-target LoRA plateau ${last.toFixed(3)} after ${frozen.steps} steps`);
    // The loss never goes below the floor the check found, and gets close to it: the check is tight.
    expect(last).toBeGreaterThan(floor - 0.05);
    expect(last).toBeLessThan(floor + 0.25);

    const more: string[] = [];
    const open = await trainGgml({
      ...opts,
      outPath: join(dir, "open.gguf"),
      lora: { targets: [...DEFAULT_LORA_TARGETS, "output"] },
      onLog: (m) => m.startsWith("warning") && more.push(m),
    });
    expect(more).toEqual([]);
    expect(open.lossCurve.at(-1)!.loss).toBeLessThan(0.05);
  });

  it("stays quiet on data the model writes itself", async () => {
    const warnings: string[] = [];
    await trainGgml({
      baseModelPath: base,
      sequences: replyData(id("7")),
      mode: "lora",
      outPath: join(dir, "seven.gguf"),
      seed: 1,
      threads: 1,
      optim: { maxSteps: 1 },
      onLog: (m) => m.startsWith("warning") && warnings.push(m),
    });
    expect(warnings).toEqual([]);
  });
});
