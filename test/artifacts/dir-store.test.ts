import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openArtifactStore } from "../../src/artifacts/index.js";
import { isUserError } from "../../src/errors.js";

const tmp = mkdtempSync(join(tmpdir(), "society-artifacts-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("directory artifact store", () => {
  it("stores a file under its sha256, once, and hands back verified bytes", async () => {
    const src = join(tmp, "adapter.gguf");
    writeFileSync(src, "GGUF adapter bytes");
    const sha = createHash("sha256").update("GGUF adapter bytes").digest("hex");
    const writer = openArtifactStore(join(tmp, "shared"));
    expect(await writer.put(src)).toBe(sha);
    expect(await writer.put(src, sha)).toBe(sha); // again: a no-op
    await expect(writer.put(src, "0".repeat(64))).rejects.toThrow(/sha256 is [0-9a-f]{64}, expected 0{64}/);
    // Another process (another machine on the same mount) reads it.
    const reader = openArtifactStore(`file://${join(tmp, "shared")}`);
    expect(await reader.has(sha)).toBe(true);
    const path = await reader.get(sha);
    expect(path).toBe(join(tmp, "shared", sha.slice(0, 2), sha));
    expect(readFileSync(path, "utf8")).toBe("GGUF adapter bytes");
    const missing = await reader.get("a".repeat(64)).catch((e) => e);
    expect(isUserError(missing)).toBe(true);
    expect(missing.message).toMatch(/artifact a{64} is not in .*shared/);
    await expect(reader.get("../../etc/passwd")).rejects.toThrow(/not a sha256/);
  });

  it("refuses a damaged copy", async () => {
    const src = join(tmp, "model.gguf");
    writeFileSync(src, "full model");
    const store = openArtifactStore(join(tmp, "shared2"));
    const sha = await store.put(src);
    writeFileSync(join(tmp, "shared2", sha.slice(0, 2), sha), "full modeL");
    const err = await openArtifactStore(join(tmp, "shared2"))
      .get(sha)
      .catch((e) => e);
    expect(isUserError(err)).toBe(true);
    expect(err.message).toMatch(/its bytes hash to [0-9a-f]{64}, not to the sha256 it is stored under/);
  });
});
