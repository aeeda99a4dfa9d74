/**
 * Several processes opening one new SQLite store at the same moment (two `society run`s started together,
 * a run and `society runs`): each migrates or finds it migrated, none fails. The real CLI, a real file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { societyCli } from "../support/society-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "society-open-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it("six processes opening the same new store at once all succeed, and it is migrated once", async () => {
  const db = join(tmp, "s.db");
  const results = await Promise.all(Array.from({ length: 6 }, () => societyCli(["runs", "--db", db], { timeoutMs: 120_000 })));
  for (const r of results) expect(r.code, r.out).toBe(0);
  const raw = new Database(db, { readonly: true });
  const journal = raw.prepare("select hash from __drizzle_migrations").all() as { hash: string }[];
  raw.close();
  expect(new Set(journal.map((j) => j.hash)).size).toBe(journal.length);
  expect(journal.length).toBeGreaterThan(0);
}, 180_000);
