import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withFileLock } from "../../src/util/file-lock.js";

const dir = mkdtempSync(join(tmpdir(), "lock-"));

describe("withFileLock", () => {
  it("runs holders one at a time and removes the lock", async () => {
    const path = join(dir, "a.lock");
    const events: string[] = [];
    const job = (name: string) =>
      withFileLock(
        path,
        async () => {
          events.push(`${name}+`);
          await new Promise((r) => setTimeout(r, 50));
          events.push(`${name}-`);
          return name;
        },
        { pollMs: 10 },
      );
    expect(await Promise.all([job("a"), job("b")])).toEqual(["a", "b"]);
    expect(events).toEqual(["a+", "a-", "b+", "b-"]);
    expect(existsSync(path)).toBe(false);
  });

  it("takes over a lock left by a dead process", async () => {
    const path = join(dir, "stale.lock");
    writeFileSync(path, "999999999");
    expect(await withFileLock(path, async () => 42, { pollMs: 10 })).toBe(42);
  });
});
