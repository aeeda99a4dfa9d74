/**
 * A temp folder and one loopback server for a whole test file: `start` runs in beforeAll; afterAll closes the
 * server and removes the folder. Tests read the server through `server()` (set once beforeAll has run).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

export function serverForFile<S extends { close(): unknown }>(
  prefix: string,
  start: (tmp: string) => Promise<S>,
  timeoutMs?: number,
): { tmp: string; server: () => S } {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  let server: S | undefined;
  beforeAll(async () => {
    server = await start(tmp);
  }, timeoutMs);
  afterAll(async () => {
    await server?.close();
    rmSync(tmp, { recursive: true, force: true });
  });
  return {
    tmp,
    server: () => {
      if (!server) throw new Error(`${prefix}: the server is not started (used outside a test?)`);
      return server;
    },
  };
}
