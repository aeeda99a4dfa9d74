import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { checkPreferenceJsonl, parsePreferenceRow, readPreferenceJsonl, toPreferenceJsonl } from "../../src/training/preference-jsonl.js";
import type { PreferencePair } from "../../src/training/types.js";

const dir = mkdtempSync(join(tmpdir(), "society-pref-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const user = (content: string) => ({ role: "user" as const, content });
const asst = (content: string) => ({ role: "assistant" as const, content });
const want: PreferencePair = {
  prompt: [{ role: "system", content: "Be brief." }, user("2+2?")],
  chosen: [asst("4")],
  rejected: [asst("5")],
};

describe("preference JSONL", () => {
  it("reads OpenAI's DPO format, TRL's conversational format and TRL's implicit prompt to the same pair", () => {
    const openai = {
      input: { messages: want.prompt, tools: [], parallel_tool_calls: true },
      preferred_output: want.chosen,
      non_preferred_output: want.rejected,
    };
    const trl = { prompt: want.prompt, chosen: want.chosen, rejected: want.rejected };
    const implicit = { chosen: [...want.prompt, ...want.chosen], rejected: [...want.prompt, ...want.rejected] };
    for (const row of [openai, trl, implicit]) expect(parsePreferenceRow(row)).toEqual(want);
  });

  it("keeps stored reference log-probs (TRL's column names) and writes OpenAI's format back", () => {
    const row = { prompt: want.prompt, chosen: want.chosen, rejected: want.rejected, ref_chosen_logps: -3.5, ref_rejected_logps: -7.25 };
    const pair = parsePreferenceRow(row) as PreferencePair;
    expect([pair.refChosenLogp, pair.refRejectedLogp]).toEqual([-3.5, -7.25]);
    const plain = toPreferenceJsonl([pair]);
    expect(JSON.parse(plain)).toEqual({
      input: { messages: want.prompt },
      preferred_output: want.chosen,
      non_preferred_output: want.rejected,
    });
    const check = checkPreferenceJsonl(toPreferenceJsonl([pair, want], { withReferenceLogprobs: true }));
    expect(check).toEqual({ ok: true, pairs: [pair, want] });
  });

  it.each([
    [{ messages: [user("q"), asst("a")] }, /expected a preference pair/],
    [{ input: { messages: [user("q")] }, preferred_output: [asst("a")] }, /non_preferred_output: expected a non-empty array/],
    [
      { input: { messages: [user("q")], tools: [{ type: "function" }] }, preferred_output: [asst("a")], non_preferred_output: [asst("b")] },
      /tools/,
    ],
    [{ prompt: [user("q")], chosen: [user("a")], rejected: [asst("b")] }, /chosen\[0\]\.role: a reply holds assistant messages only/],
    [{ prompt: "q", chosen: "a", rejected: "b" }, /plain-text format is not supported/],
    [{ chosen: [asst("a")], rejected: [asst("b")] }, /share no first message/],
    [{ prompt: [{ role: "tool", content: "x" }], chosen: [asst("a")], rejected: [asst("b")] }, /prompt\[0\]\.role/],
    [{ prompt: [user("q")], chosen: [asst("a")], rejected: [asst("b")], ref_chosen_logps: "x" }, /ref_chosen_logps: expected a number/],
  ])("names the problem: %j", (row, re) => {
    expect(parsePreferenceRow(row)).toMatch(re);
  });

  it("reports bad lines by number (blank lines counted), and a file with no pairs", () => {
    const good = JSON.stringify({ prompt: [user("q")], chosen: [asst("a")], rejected: [asst("b")] });
    const check = checkPreferenceJsonl([good, "", "{not json", good, JSON.stringify({ prompt: [user("q")] })].join("\n"));
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.problems.map((p) => p.line)).toEqual([3, 5]);
    const path = join(dir, "bad.jsonl");
    writeFileSync(path, `${good}\n\n{"prompt": [], "chosen": [], "rejected": []}\n`);
    expect(() => readPreferenceJsonl(path)).toThrow(UserError);
    expect(() => readPreferenceJsonl(path)).toThrow(/bad\.jsonl:3: prompt: expected a non-empty array/);
    writeFileSync(path, "\n\n");
    expect(() => readPreferenceJsonl(path)).toThrow(/bad\.jsonl: no preference pairs/);
    expect(() => readPreferenceJsonl(join(dir, "missing.jsonl"))).toThrow(/cannot read/);
  });
});
