/**
 * The Postgres dialect in-process (PGlite, no server): migrations on an empty database, then the same
 * contract as SQLite. One in-memory instance serves both, since starting PGlite costs seconds.
 */
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

storeContract("PGlite (memory)", async () => {
  const store = await opening;
  await store.migrate(); // a no-op after the test above; needed when the contract runs alone (-t)
  return store;
});
