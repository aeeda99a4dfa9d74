/**
 * The Postgres dialect in-process (PGlite, no server): migrations on an empty database, then the same
 * contract as SQLite. One in-memory instance serves both, since starting PGlite costs seconds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { storeContract } from "./contract.js";
import { migrationCount } from "./migrations.js";

const opening = openStore("pglite://memory", { migrate: false });

describe("PGlite: migrations", () => {
  it("apply to an empty database; re-applying is a no-op that keeps the data", async () => {
    const store = await opening;
    expect(store.dialect).toBe("pglite");
    expect(store.location).toBe("pglite://memory");
    expect(await store.migrationsApplied()).toBe(0);
    await store.migrate();
    expect(await store.migrationsApplied()).toBe(migrationCount("pg"));
    const run = await store.runs.create({ name: "keep", methods: [], config: {}, seed: 1 });
    await store.migrate();
    expect(await store.migrationsApplied()).toBe(migrationCount("pg"));
    expect(await store.runs.get(run.id)).toEqual(run);
  });
});

describe("PGlite: drift", () => {
  it("a database missing a column is refused on open, naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "society-pglite-drift-"));
    const url = `pglite://${dir}`;
    await (await openStore(url)).close();
    const raw = new PGlite(dir);
    await raw.exec("alter table turns drop column latency_ms");
    await raw.close();
    await expect(openStore(url)).rejects.toThrow(/does not match its migration level \d+: missing column turns\.latency_ms/);
    rmSync(dir, { recursive: true, force: true });
  });
});

storeContract("PGlite (memory)", async () => {
  const store = await opening;
  await store.migrate(); // a no-op after the test above; needed when the contract runs alone (-t)
  return store;
});
