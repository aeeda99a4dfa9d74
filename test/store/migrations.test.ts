/**
 * Committed migrations: one SQL file per journal entry, the dialects in step with the same tables and
 * columns; on SQLite they apply to an empty file and re-applying (on every open) is a no-op that keeps the
 * data. (PGlite and a PostgreSQL server get the same checks in their own files.)
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { drizzleRoot, journal, migrationCount, snapshotColumns } from "./migrations.js";

const dir = mkdtempSync(join(tmpdir(), "society-store-mig-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("migrations", () => {
  it("one SQL file per journal entry, in step across the two dialects", () => {
    for (const d of ["sqlite", "pg"] as const) {
      const sql = readdirSync(join(drizzleRoot, d)).filter((f) => f.endsWith(".sql")).sort();
      expect(sql).toEqual(journal(d).entries.map((e) => `${e.tag}.sql`));
    }
    expect(migrationCount("sqlite")).toBe(migrationCount("pg"));
  });

  it("both dialects define the same tables and column names", () => {
    const pg = snapshotColumns("pg");
    expect(Object.keys(pg)).toHaveLength(12);
    expect(snapshotColumns("sqlite")).toEqual(pg);
  });

  it("SQLite: an empty file gets every migration; re-applying and re-opening apply none again", async () => {
    const file = join(dir, "mig.db");
    const n = migrationCount("sqlite");
    const a = await openStore(file, { migrate: false });
    expect(await a.migrationsApplied()).toBe(0);
    await a.migrate();
    expect(await a.migrationsApplied()).toBe(n);
    const run = await a.runs.create({ name: "keep", methods: ["debate"], config: { k: 1 }, seed: 1 });
    await a.migrate();
    expect(await a.migrationsApplied()).toBe(n);
    await a.close();

    const b = await openStore(file);
    expect(await b.migrationsApplied()).toBe(n);
    expect(await b.runs.get(run.id)).toEqual(run);
    await b.close();

    // The live file has exactly the tables and columns of the snapshot.
    const raw = new Database(file, { readonly: true });
    const tables = raw.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'").all() as { name: string }[];
    const live = Object.fromEntries(tables.map(({ name }) =>
      [name, (raw.prepare(`pragma table_info(${JSON.stringify(name)})`).all() as { name: string }[]).map((c) => c.name).sort()]));
    raw.close();
    expect(live).toEqual(snapshotColumns("sqlite"));
  });
});
