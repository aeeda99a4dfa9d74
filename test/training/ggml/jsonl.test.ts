import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { readChatJsonl } from "../../../src/training/ggml/data/jsonl.js";

const dir = mkdtempSync(join(tmpdir(), "society-jsonl-"));
const file = (name: string, lines: string[]) => {
  const p = join(dir, name);
  writeFileSync(p, lines.join("\n"));
  return p;
};
const ok = JSON.stringify({
  messages: [
    { role: "user", content: "q" },
    { role: "assistant", content: "a", weight: 1 },
  ],
});

describe("readChatJsonl", () => {
  it("reads examples and skips blank lines", () => {
    const ex = readChatJsonl(file("ok.jsonl", [ok, "", ok]));
    expect(ex).toHaveLength(2);
    expect(ex[0].messages[1]).toEqual({ role: "assistant", content: "a", weight: 1 });
  });

  it.each([
    ["{not json", /bad\.jsonl:2: invalid JSON/],
    [JSON.stringify({ messages: [] }), /bad\.jsonl:2: expected/],
    [JSON.stringify({ messages: [{ role: "bot", content: "x" }] }), /bad\.jsonl:2: message 1 needs "role"/],
    [JSON.stringify({ messages: [{ role: "user", content: "x" }] }), /bad\.jsonl:2: no assistant message/],
    [
      JSON.stringify({
        messages: [
          { role: "user", content: "x" },
          { role: "assistant", content: "y", weight: 0 },
        ],
      }),
      /bad\.jsonl:2: no assistant/,
    ],
  ])("names the line of a bad example: %s", (line, re) => {
    const p = file("bad.jsonl", [ok, line]);
    expect(() => readChatJsonl(p)).toThrow(UserError);
    expect(() => readChatJsonl(p)).toThrow(re);
  });
});
