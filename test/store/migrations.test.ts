/**
 * Committed migrations: one SQL file per journal entry, the dialects in step with the same tables and
 * columns; on SQLite they apply to an empty file and re-applying (on every open) is a no-op that keeps the
 * data. (PGlite and a PostgreSQL server get the same checks in their own files.)
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { afterAll, describe, expect, it } from "vitest";
import { openStore, questionContentSha256 } from "../../src/store/index.js";
import { societyCli } from "../support/society-cli.js";
import { drizzleRoot, journal, migrationCount, snapshotColumns } from "./migrations.js";

const dir = mkdtempSync(join(tmpdir(), "society-store-mig-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("migrations", () => {
  it("one SQL file per journal entry, in step across the two dialects", () => {
    for (const d of ["sqlite", "pg"] as const) {
      const sql = readdirSync(join(drizzleRoot, d))
        .filter((f) => f.endsWith(".sql"))
        .sort();
      expect(sql).toEqual(journal(d).entries.map((e) => `${e.tag}.sql`));
    }
    expect(migrationCount("sqlite")).toBe(migrationCount("pg"));
  });

  it("both dialects define the same tables and column names", () => {
    const pg = snapshotColumns("pg");
    expect(Object.keys(pg)).toHaveLength(13);
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
    const tables = raw
      .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'")
      .all() as { name: string }[];
    const live = Object.fromEntries(
      tables.map(({ name }) => [
        name,
        (raw.prepare(`pragma table_info(${JSON.stringify(name)})`).all() as { name: string }[]).map((c) => c.name).sort(),
      ]),
    );
    raw.close();
    expect(live).toEqual(snapshotColumns("sqlite"));
  });

  describe("the migration level is checked on open", () => {
    /** A fresh, fully migrated SQLite store file; `raw` then tampers with it. */
    const migrated = async (name: string) => {
      const file = join(dir, `${name}.db`);
      await (await openStore(file)).close();
      return file;
    };
    const tamper = (file: string, sql: string) => {
      const raw = new Database(file);
      raw.exec(sql);
      raw.close();
    };

    it("older: a database at an earlier level is migrated forward, its data kept (questions get their content hash)", async () => {
      const file = join(dir, "old.db");
      // Level 1 only: the first committed migration, as an earlier build left it.
      const first = mkdtempSync(join(dir, "first-"));
      cpSync(
        join(drizzleRoot, "sqlite", `${journal("sqlite").entries[0]!.tag}.sql`),
        join(first, `${journal("sqlite").entries[0]!.tag}.sql`),
      );
      const j = JSON.parse(readFileSync(join(drizzleRoot, "sqlite/meta/_journal.json"), "utf8"));
      cpSync(join(drizzleRoot, "sqlite/meta"), join(first, "meta"), { recursive: true });
      writeFileSync(join(first, "meta/_journal.json"), JSON.stringify({ ...j, entries: j.entries.slice(0, 1) }));
      const raw = new Database(file);
      migrate(drizzle({ client: raw }), { migrationsFolder: first });
      raw
        .prepare(
          "insert into questions (id, task, split, qid, text, gold, created_at) values ('q1', 'arithmetic', 'train', 'arith-train-0', '1+2', '3', 0)",
        )
        .run();
      raw.close();

      const store = await openStore(file);
      expect(await store.migrationsApplied()).toBe(migrationCount("sqlite"));
      expect(await store.questions.get("q1")).toMatchObject({
        text: "1+2",
        gold: "3",
        contentSha256: questionContentSha256({ text: "1+2", gold: "3" }),
      });
      // The same question recorded again is the stored row, not a second one.
      const [again] = await store.questions.record([{ task: "arithmetic", split: "train", qid: "arith-train-0", text: "1+2", gold: "3" }]);
      expect(again!.id).toBe("q1");
      await store.close();
    });

    it("newer: a migration this build does not know is refused, naming the database and both levels", async () => {
      const file = await migrated("newer");
      tamper(file, `insert into __drizzle_migrations (hash, created_at) values ('from-a-newer-build', ${Date.now() + 365 * 86_400_000})`);
      const n = migrationCount("sqlite");
      await expect(openStore(file)).rejects.toThrow(
        new RegExp(
          `the store sqlite:${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is at migration level ${n + 1}, newer than this build of society \\(migration level ${n}\\)`,
        ),
      );
      // The CLI: exit 1, one line, no raw SQL.
      const r = await societyCli(["runs", "--db", file]);
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(/^society: the store .*newer\.db is at migration level \d+, newer than this build/);
    });

    it("a different build: an applied migration whose file differs is refused", async () => {
      const file = await migrated("other-build");
      tamper(file, "update __drizzle_migrations set hash = 'edited' where rowid = (select min(rowid) from __drizzle_migrations)");
      await expect(openStore(file)).rejects.toThrow(/was migrated by a different build of society: its migration 1 of \d+ does not match/);
    });

    it("drifted: a missing column or table is refused, naming them", async () => {
      const file = await migrated("drift");
      tamper(file, "alter table runs drop column error; drop table leases");
      await expect(openStore(file)).rejects.toThrow(
        /the store sqlite:.*drift\.db does not match its migration level \d+: missing column runs\.error, table leases\. It was changed outside society/,
      );
    });
  });
});

describe("migrations: an existing database moves forward", () => {
  it("SQLite: a store written before the protocol columns keeps its debate turns, which read as node '' with no parent", async () => {
    const { cpSync, writeFileSync } = await import("node:fs");
    const { drizzle } = await import("drizzle-orm/better-sqlite3");
    const { migrate } = await import("drizzle-orm/better-sqlite3/migrator");
    // The migration folder as it was before 0001: only the first journal entry.
    const old = join(dir, "old-migrations");
    cpSync(join(drizzleRoot, "sqlite"), old, { recursive: true });
    const j = journal("sqlite");
    writeFileSync(join(old, "meta/_journal.json"), JSON.stringify({ ...j, entries: j.entries.slice(0, 1) }));
    const file = join(dir, "old.db");
    const raw = new Database(file);
    migrate(drizzle(raw), { migrationsFolder: old });
    const now = Date.now();
    raw.exec(`insert into runs (id, name, methods, config, seed, status, created_at, updated_at) values ('r', 'old', '["debate"]', '{}', 1, 'done', ${now}, ${now});
      insert into questions (id, task, split, qid, text, gold, created_at) values ('q', 't', 'test', '1', '1+1', '2', ${now});
      insert into agents (id, run_id, method, role, agent_index, created_at) values ('a', 'r', 'debate', 'generator', 0, ${now});
      insert into debates (id, run_id, method, iteration, phase, question_id, status, created_at) values ('d', 'r', 'debate', 0, 'test', 'q', 'done', ${now});
      insert into turns (id, debate_id, agent_id, round, prompt, completion, parse_status, prompt_tokens, completion_tokens, latency_ms, seed, created_at)
        values ('t', 'd', 'a', 1, '[]', 'x', 'unparsed', 1, 1, 1, 7, ${now});`);
    raw.close();

    const store = await openStore(file);
    expect(await store.migrationsApplied()).toBe(migrationCount("sqlite"));
    const [t] = await store.turns.list("d");
    expect(t).toMatchObject({ id: "t", node: "", parentId: null, round: 1, seed: 7 });
    expect(await store.debates.get("d")).toMatchObject({ protocol: "debate" });
    // The same (debate, agent, round) is still one turn: a resumed debate reads it back instead of adding one.
    expect(
      (
        await store.turns.insert({
          debateId: "d",
          agentId: "a",
          round: 1,
          prompt: [],
          completion: "y",
          parsedAnswer: null,
          parseStatus: "unparsed",
          promptTokens: 1,
          completionTokens: 1,
          latencyMs: 1,
          seed: 8,
        })
      ).id,
    ).toBe("t");
    await store.close();
  });
});
