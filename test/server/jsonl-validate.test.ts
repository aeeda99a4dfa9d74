import { describe, expect, it } from "vitest";
import { checkChatJsonl, checkFineTuneJsonl, describeProblems } from "../../src/server/jsonl-validate.js";

const good = (a: string) =>
  JSON.stringify({
    messages: [
      { role: "user", content: "q" },
      { role: "assistant", content: a },
    ],
  });

describe("checkChatJsonl", () => {
  it("accepts chat lines, skips blank ones and keeps weights", () => {
    const text = [
      good("1"),
      "",
      JSON.stringify({
        messages: [
          { role: "user", content: "q" },
          { role: "assistant", content: "x", weight: 0 },
          { role: "user", content: "again" },
          { role: "assistant", content: "y", weight: 1 },
        ],
      }),
      "",
    ].join("\n");
    const r = checkChatJsonl(text);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.examples).toHaveLength(2);
      expect(r.examples[1]!.messages[1]).toEqual({ role: "assistant", content: "x", weight: 0 });
    }
  });

  it("names each bad line and what is wrong with it", () => {
    const lines = [
      good("1"),
      "{not json",
      JSON.stringify({ prompt: "x" }),
      JSON.stringify({ messages: [{ role: "robot", content: "x" }] }),
      JSON.stringify({ messages: [{ role: "user", content: 3 }] }),
      JSON.stringify({
        messages: [
          { role: "user", content: "q", weight: 1 },
          { role: "assistant", content: "a" },
        ],
      }),
      JSON.stringify({
        messages: [
          { role: "user", content: "q" },
          { role: "assistant", content: "a", weight: 0 },
        ],
      }),
    ];
    const r = checkChatJsonl(lines.join("\r\n"), 10);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7]);
    const msg = describeProblems(r.problems);
    expect(msg).toMatch(/line 2: invalid JSON/);
    expect(msg).toMatch(/line 3: expected "messages"/);
    expect(msg).toMatch(/line 4: messages\[0\]\.role/);
    expect(msg).toMatch(/line 5: messages\[0\]\.content: expected a string/);
    expect(msg).toMatch(/line 6: messages\[0\]\.weight: only assistant/);
    expect(msg).toMatch(/line 7: no assistant message to learn from/);
  });

  it("stops after maxProblems and refuses an empty file", () => {
    const r = checkChatJsonl(Array.from({ length: 20 }, () => "x").join("\n"), 3);
    expect(!r.ok && r.problems.length).toBe(3);
    const empty = checkChatJsonl("\n\n");
    expect(!empty.ok && empty.problems[0]!.message).toMatch(/no examples/);
  });
});

describe("checkFineTuneJsonl", () => {
  it("tells chat files from preference files by their first line, and checks each as its kind", () => {
    const pair = JSON.stringify({
      input: { messages: [{ role: "user", content: "q" }] },
      preferred_output: [{ role: "assistant", content: "a" }],
      non_preferred_output: [{ role: "assistant", content: "b" }],
    });
    expect(checkFineTuneJsonl([good("1"), good("2")].join("\n"))).toMatchObject({ ok: true, kind: "chat" });
    const p = checkFineTuneJsonl(["", pair, pair].join("\n"));
    expect(p).toMatchObject({ ok: true, kind: "preference" });
    if (p.ok && p.kind === "preference") expect(p.pairs).toHaveLength(2);
    const bad = checkFineTuneJsonl([pair, good("1")].join("\n"));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(describeProblems(bad.problems)).toMatch(/^line 2: expected a preference pair/);
  });
});
