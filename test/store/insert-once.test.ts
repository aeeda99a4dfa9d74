import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";

const dir = mkdtempSync(join(tmpdir(), "society-insert-once-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("insertOnce refuses a key with an undefined column (its read-back would match other rows) and writes nothing", async () => {
  const store = await openStore(join(dir, "s.db"));
  try {
    const run = await store.runs.create({ name: "r", methods: ["m"], config: {}, seed: 1 });
    const a = await store.agents.getOrCreate({ runId: run.id, method: "m", role: "generator", agentIndex: 0 });
    await expect(
      store.agents.getOrCreate({ runId: run.id, method: "m", role: "generator", agentIndex: undefined as never }),
    ).rejects.toThrow("store: agent key is missing agentIndex");
    await expect(store.units.markDone(run.id, undefined as never)).rejects.toThrow("store: unit key is missing key");
    expect((await store.agents.list(run.id)).map((x) => x.id)).toEqual([a.id]);
    expect(await store.units.list(run.id)).toEqual([]);
  } finally {
    await store.close();
  }
});
