import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { DEFAULT_DB_PATH, describeTarget, openStore, parseDbUrl, redact, resolveDbUrl } from "../../src/store/index.js";

const dir = mkdtempSync(join(tmpdir(), "society-store-url-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("database URL resolution", () => {
  it("explicit argument > $SOCIETY_DB_URL > runs/society.db", () => {
    const env = { SOCIETY_DB_URL: "postgres://u@h/db" };
    expect(resolveDbUrl("x.db", env)).toBe("x.db");
    expect(resolveDbUrl(undefined, env)).toBe("postgres://u@h/db");
    expect(resolveDbUrl("  ", env)).toBe("postgres://u@h/db");
    expect(resolveDbUrl(undefined, {})).toBe(DEFAULT_DB_PATH);
    expect(resolveDbUrl(null, { SOCIETY_DB_URL: "" })).toBe("runs/society.db");
  });

  it("parses every accepted form", () => {
    expect(parseDbUrl("runs/society.db", "/w")).toEqual({ dialect: "sqlite", path: "/w/runs/society.db" });
    expect(parseDbUrl("/abs/x.db", "/w")).toEqual({ dialect: "sqlite", path: "/abs/x.db" });
    expect(parseDbUrl("sqlite://rel/x.db", "/w")).toEqual({ dialect: "sqlite", path: "/w/rel/x.db" });
    expect(parseDbUrl("sqlite:///abs/x.db", "/w")).toEqual({ dialect: "sqlite", path: "/abs/x.db" });
    expect(parseDbUrl("file:///abs/x.db", "/w")).toEqual({ dialect: "sqlite", path: "/abs/x.db" });
    expect(parseDbUrl(":memory:", "/w")).toEqual({ dialect: "sqlite", path: ":memory:" });
    expect(parseDbUrl("postgres://u:p@h:5432/db")).toEqual({ dialect: "postgres", url: "postgres://u:p@h:5432/db" });
    expect(parseDbUrl("postgresql://h/db")).toEqual({ dialect: "postgres", url: "postgresql://h/db" });
    expect(parseDbUrl("pglite://memory")).toEqual({ dialect: "pglite", dir: null });
    expect(parseDbUrl("pglite://data/pg", "/w")).toEqual({ dialect: "pglite", dir: "/w/data/pg" });
    expect(parseDbUrl("pglite:///abs/pg", "/w")).toEqual({ dialect: "pglite", dir: "/abs/pg" });
  });

  it("refuses other schemes with a UserError that hides the password", () => {
    expect(() => parseDbUrl("mysql://root:secret@h/db")).toThrow(UserError);
    expect(() => parseDbUrl("mysql://root:secret@h/db")).toThrow(/mysql:\/\/root:\*\*\*@h\/db/);
    expect(() => parseDbUrl("sqlite://")).toThrow(UserError);
    expect(redact("postgres://u:p4ss@h:5432/db")).toBe("postgres://u:***@h:5432/db");
    expect(redact("postgres://u@h/db")).toBe("postgres://u@h/db");
    expect(describeTarget(parseDbUrl("postgres://u:p@h/db"))).toBe("postgres://u:***@h/db");
  });

  it("openStore: env beats the default, the argument beats env, and folders are created", async () => {
    const fromEnv = join(dir, "env", "a.db");
    const s1 = await openStore(undefined, { env: { SOCIETY_DB_URL: fromEnv }, cwd: dir });
    expect(s1.location).toBe(`sqlite:${fromEnv}`);
    await s1.close();
    expect(existsSync(fromEnv)).toBe(true);

    const s2 = await openStore("arg/b.db", { env: { SOCIETY_DB_URL: fromEnv }, cwd: dir });
    expect(s2.location).toBe(`sqlite:${join(dir, "arg", "b.db")}`);
    await s2.close();

    const s3 = await openStore(undefined, { env: {}, cwd: dir });
    expect(s3.location).toBe(`sqlite:${join(dir, "runs", "society.db")}`);
    await s3.close();
    expect(existsSync(join(dir, "runs", "society.db"))).toBe(true);
  });

  it("an unopenable SQLite path is a UserError naming it", async () => {
    const notADb = join(dir, "env"); // a directory
    await expect(openStore(notADb)).rejects.toBeInstanceOf(UserError);
    await expect(openStore(notADb)).rejects.toThrow(notADb);
  });

  it("an unreachable Postgres is a UserError with the password hidden", async () => {
    const err = await openStore("postgres://u:topsecret@127.0.0.1:1/db").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(String((err as Error).message)).not.toContain("topsecret");
  });
});
