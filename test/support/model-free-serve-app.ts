/**
 * The composed serve app with no model and no trainer behind it, for tests of what it refuses or stores before a
 * request would reach either. Its files and fine-tuning jobs live in a temp folder removed after the test file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import type { LlamaBackend } from "../../src/backends/llama/backend.js";
import { FileStore } from "../../src/server/files.js";
import { DEFAULT_FINE_TUNE, FineTuneQueue } from "../../src/server/job-queue.js";
import { DEFAULT_LIMITS } from "../../src/server/limits.js";
import { ModelRegistry } from "../../src/server/model-registry.js";
import { createServeApp, type ServeAppOptions } from "../../src/server/serve-app.js";

export function modelFreeServeApp(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const registry = new ModelRegistry();
  const files = new FileStore(dir);
  const queue = new FineTuneQueue(dir, {
    registry,
    files,
    trainer: { train: () => Promise.reject(new Error("not used")) },
    defaults: DEFAULT_FINE_TUNE,
  });
  /** An app over the shared registry, files and queue: default limits and guard unless given. */
  const appWith = (o: Partial<Pick<ServeAppOptions, "limits" | "guard">> = {}) =>
    createServeApp({ backend: {} as LlamaBackend, registry, files, queue, limits: DEFAULT_LIMITS, ...o });
  return { queue, appWith };
}
