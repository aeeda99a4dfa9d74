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
