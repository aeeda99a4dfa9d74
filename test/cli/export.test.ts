/** `society export`: chat sets as chat JSONL, preference sets as OpenAI preference JSONL, one file per set. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { openStore } from "../../src/store/index.js";

const dir = mkdtempSync(join(tmpdir(), "export-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("society export", () => {
  it("writes each dataset in its own format, named by method, iteration, agent and kind", async () => {
    const db = join(dir, "s.db");
    const store = await openStore(db);
    const run = await store.runs.create({ id: "r-export", name: "x", methods: ["malt"], config: {}, seed: 1 });
    const v = await store.agents.getOrCreate({ runId: run.id, method: "malt", role: "verifier", agentIndex: 0 });
    const prompt = [{ role: "user" as const, content: "check 1+1=3" }];
    await store.datasets.create({ runId: run.id, method: "malt", agentId: v.id, iteration: 1, kind: "sft" }, [
      { sourceTurnIds: ["t1"], messages: [...prompt, { role: "assistant", content: "wrong: 2" }] },
    ]);
    await store.datasets.create({ runId: run.id, method: "malt", agentId: v.id, iteration: 1, kind: "pairs" }, [
      {
        sourceTurnIds: ["t1", "t2"],
        messages: prompt,
        chosen: [{ role: "assistant", content: "wrong: 2" }],
        rejected: [{ role: "assistant", content: "right" }],
        refChosenLogp: -3,
        refRejectedLogp: -4,
      },
    ]);
    await store.close();
    const out = join(dir, "out");
    expect(await main(["export", run.id, "--db", db, "--out", out])).toBe(0);
    expect(readFileSync(join(out, "malt.it1.verifier0.sft.jsonl"), "utf8")).toBe(
      `{"messages":[{"role":"user","content":"check 1+1=3"},{"role":"assistant","content":"wrong: 2"}]}\n`,
    );
    const pair = JSON.parse(readFileSync(join(out, "malt.it1.verifier0.pairs.jsonl"), "utf8"));
    expect(pair).toEqual({
      input: { messages: [{ role: "user", content: "check 1+1=3" }] },
      preferred_output: [{ role: "assistant", content: "wrong: 2" }],
      non_preferred_output: [{ role: "assistant", content: "right" }],
    });
  });
});
