import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { storeContract } from "./contract.js";

const dir = mkdtempSync(join(tmpdir(), "society-store-sqlite-"));
const file = join(dir, "nested", "society.db");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

storeContract("SQLite file", () => openStore(file));

it("SQLite: the file is in WAL mode with foreign keys on", async () => {
  const store = await openStore(join(dir, "pragmas.db"));
  expect(store.dialect).toBe("sqlite");
  expect(store.location).toBe(`sqlite:${join(dir, "pragmas.db")}`);
  await store.close();
  await store.close(); // twice is fine
  const raw = new Database(join(dir, "pragmas.db"));
  expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
  raw.close();
});

it("SQLite: a process killed inside a unit's transaction leaves nothing of it; resume redoes it", async () => {
  const crashFile = join(dir, "crash.db");
  const before = await openStore(crashFile);
  const run = await before.runs.create({ name: "crash", methods: ["m"], config: {}, seed: 1 });
  const agent = await before.agents.getOrCreate({ runId: run.id, method: "m", role: "generator", agentIndex: 0 });
  await before.close();

  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "fixtures/crash-writer.ts"), crashFile, run.id, agent.id],
    {
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  expect(child.signal, child.stderr).toBe("SIGKILL");

  const after = await openStore(crashFile);
  expect(await after.units.isDone(run.id, "dataset/G/1")).toBe(false);
  expect(await after.datasets.list({ runId: run.id })).toEqual([]);
  const ds = await after.datasets.create({ runId: run.id, method: "m", agentId: agent.id, iteration: 1, kind: "G" }, [
    { sourceTurnIds: [], messages: [{ role: "user", content: "redo" }] },
  ]);
  expect(ds.rowCount).toBe(1);
  await after.close();
});
