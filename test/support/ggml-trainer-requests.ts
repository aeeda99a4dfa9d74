/**
 * Set-up shared by the tests that run ggmlTrainer end to end: a scratch folder with the `test` tiny model, and
 * train requests with the defaults those tests agree on.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import type { TrainRequest } from "../../src/training/types.js";

/** Where a file's trainings write (`dir`, removed after its tests) and the base model they train (`base`). */
export interface TrainerScratch {
  readonly dir: string;
  readonly base: string;
}

/** A scratch folder named `prefix`… and the `test` tiny model (a real char-level arithmetic model, built once and cached). */
export function tinyModelScratch(prefix: string): TrainerScratch {
  const at = { dir: mkdtempSync(join(tmpdir(), prefix)), base: "" };
  beforeAll(async () => {
    at.base = (await ensureTinyModel("test")).path;
  }, 600_000);
  afterAll(() => rmSync(at.dir, { recursive: true, force: true }));
  return at;
}

/**
 * A LoRA request (rank 8, alpha 16, seed 1, one thread) over `at.base`, written to `at.dir`/out.gguf, with each of
 * `layers` on top in turn (a file's defaults, then one test's changes).
 */
export function loraRequest(at: TrainerScratch, ...layers: Partial<TrainRequest>[]): TrainRequest {
  const defaults: TrainRequest = {
    baseModelPath: at.base,
    mode: "lora",
    outPath: join(at.dir, "out.gguf"),
    seed: 1,
    threads: 1,
    lora: { rank: 8, alpha: 16 },
  };
  return layers.reduce<TrainRequest>((req, layer) => ({ ...req, ...layer }), defaults);
}
