/**
 * The `postgres://` path (node-postgres pool, real transactions, advisory-locked migrations) against a real
 * server started for this file; skipped, saying why, when no PostgreSQL is available.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, redact } from "../../src/store/index.js";
import { storeContract } from "./contract.js";
import { migrationCount } from "./migrations.js";
import { pgRequired, startPostgres, type PgServer } from "./pg-server.js";

const server: PgServer = await startPostgres();

if ("skip" in server && pgRequired) {
  // CI machines have PostgreSQL's server binaries: there, a missing server is a failure, never a silent skip.
  throw new Error(`test/store/postgres.test.ts: no PostgreSQL server in CI: ${server.skip}`);
} else if ("skip" in server) {
  console.warn(`test/store/postgres.test.ts skipped: ${server.skip}`);
  describe.skip(`PostgreSQL server (${server.skip})`, () => {
    it("runs the store contract", () => undefined);
  });
} else {
  const url = server.url;
  afterAll(() => server.stop());

  describe("PostgreSQL server: migrations", () => {
    beforeAll(async () => {
      // Start from an empty public schema (SOCIETY_TEST_PG_URL may point at a used database).
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query("drop schema if exists drizzle cascade; drop schema public cascade; create schema public");
      await c.end();
    });

    it("two processes opening an empty database at once both get one migrated schema", async () => {
      const [a, b] = await Promise.all([openStore(url), openStore(url)]);
      expect(a.dialect).toBe("postgres");
      expect(a.location).toBe(redact(url));
      const n = await a.migrationsApplied();
      expect(n).toBe(migrationCount("pg"));
      expect(await b.migrationsApplied()).toBe(n);
      await a.migrate(); // re-applying is a no-op
      expect(await a.migrationsApplied()).toBe(n);
      await Promise.all([a.close(), b.close()]);
    });
  });

  storeContract("PostgreSQL server", () => openStore(url));
}
